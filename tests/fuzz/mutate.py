"""Seeded mutation of the fuzz seed corpora: byte flips, deletions, truncations, duplicated
spans, deep nesting, JSON tokens that matter to the decoders (escapes, surrogates, envelope
keys), re-gzipping and gzip truncation. Deterministic for a seed, so its cases replay as a
regular test. This is the coverage-blind complement to libFuzzer, which needs a clang whose
standard library has std::expected (clang >= 16; Debian 12 ships clang 14).

usage: python3 mutate.py SEED COUNT OUT_DIR CORPUS_DIR...
"""
import gzip
import os
import random
import sys

TOKENS = [b'{', b'}', b'[', b']', b'"', b'\\', b',', b':', b'\\u0000', b'\\ud800', b'\\udc00',
          b'\xff', b'\xc3', b'\xed\xa0\x80', b'\x00', b'\n', b'\r\n', b'\xef\xbb\xbf',
          b'"Records":[', b'"Events":[', b'"CloudTrailEvent":"', b'"detail-type":"x","detail":',
          b'"eventID":"x"', b'"eventTime":"2024-01-15T00:00:00Z"', b'"eventTime":"9999-12-31T23:59:60Z"',
          b'"digestStartTime":1', b'1e999', b'-0', b'null', b'true', b'"userIdentity":{"type":7}']


def mutate(rng, data):
    s = bytearray(data)
    if s[:2] == b'\x1f\x8b' and rng.random() < 0.5:
        try:
            s = bytearray(gzip.decompress(bytes(s)))
        except (OSError, EOFError):
            pass
    for _ in range(rng.randint(1, 8)):
        if not s:
            s = bytearray(b'{}')
        p = rng.randrange(len(s) + 1)
        op = rng.random()
        if op < 0.3:
            s[p:p] = rng.choice(TOKENS)
        elif op < 0.5 and p < len(s):
            del s[p:p + rng.randint(1, 20)]
        elif op < 0.7 and p < len(s):
            s[p] = rng.randrange(256)
        elif op < 0.8:
            s = s[:p]
        elif op < 0.9:
            q = rng.randrange(len(s) + 1)
            s[p:p] = s[min(p, q):max(p, q)][:200]
        else:
            s[p:p] = b'[' * rng.randint(1, 200)
    if rng.random() < 0.2:
        s = bytearray(gzip.compress(bytes(s), mtime=0))
        if rng.random() < 0.25:
            s = s[:max(10, len(s) // 2)]
    return bytes(s)


def main():
    seed, count, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    seeds = []
    for d in sys.argv[4:]:
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), 'rb') as f:
                seeds.append(f.read())
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    for i in range(count):
        with open(os.path.join(out, '%06d' % i), 'wb') as f:
            f.write(mutate(rng, rng.choice(seeds)))


if __name__ == '__main__':
    main()
