def main():
    raise SystemExit("not ready")
