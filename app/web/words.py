"""Counting words for messages: "1 variant", "1,000 variants"."""


def plural(n, word, words=None):
    return f"{n:,} {word if n == 1 else (words or word + 's')}"
