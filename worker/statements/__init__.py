"""Bank statements: importing and checking their files, the sources that bring them, the bank accounts."""
