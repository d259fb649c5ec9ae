"""Summarise a raw py-spy profile: ``python -m bench.profile FILE [--grep TEXT]``."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path


def main() -> None:
    """Print the frames with the most inclusive and self samples."""
    parser = argparse.ArgumentParser()
    parser.add_argument("file", type=Path)
    parser.add_argument("--grep", default="", help="only stacks containing this text")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in args.file.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if args.grep not in stack:
            continue
        samples = int(count)
        total += samples
        frames = stack.split(";")
        own[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    print(f"{total} samples")
    for frame, samples in inclusive.most_common(args.top):
        print(f"{samples / total * 100:5.1f}% {frame[:140]}")
    print("--- self")
    for frame, samples in own.most_common(args.top // 2):
        print(f"{samples / total * 100:5.1f}% {frame[:140]}")


if __name__ == "__main__":
    main()
