#!/usr/bin/env python3
"""Reads words (one per line) on stdin, prints "word<TAB>stem" with nltk's PorterStemmer()
(default NLTK_EXTENSIONS mode, as rouge-score's use_stemmer=True uses it). Used by
tools/rouge/crosscheck-stemmer.ts. Needs `pip install nltk` (the paper's golden values used 3.8).
"""
import sys

from nltk.stem.porter import PorterStemmer


def main():
    stemmer = PorterStemmer()
    out = sys.stdout
    for line in sys.stdin:
        word = line.rstrip("\n")
        if word:
            out.write(f"{word}\t{stemmer.stem(word)}\n")


if __name__ == "__main__":
    main()
