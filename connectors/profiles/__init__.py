"""Built-in CSV mapping profiles (one TOML file per bank; see connectors.csv_profiles for the keys)."""
