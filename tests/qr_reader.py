"""A small QR code reader for tests, written from the standard (ISO/IEC 18004) and not from the
encoder it checks: it reads a module grid back into its text the way a phone's camera app does
once it has the grid, so a test can tell that a drawn code scans, whatever mask it uses.

Model 2 codes of versions 1 to 10, byte mode, one segment: what the receipt's URL gives. The
format information is matched against all 32 possibilities; every block's Reed-Solomon
syndromes must be zero (no error tolerated: a freshly drawn code has none).
"""
from __future__ import annotations

# Per version, level M: error-correction codewords per block, blocks, codewords in all.
M_LEVEL = {1: (10, 1, 26), 2: (16, 1, 44), 3: (26, 1, 70), 4: (18, 2, 100), 5: (24, 2, 134),
           6: (16, 4, 172), 7: (18, 4, 196), 8: (22, 4, 242), 9: (22, 5, 292), 10: (26, 5, 346)}
ALIGNMENT = {1: (), 2: (6, 18), 3: (6, 22), 4: (6, 26), 5: (6, 30), 6: (6, 34), 7: (6, 22, 38),
             8: (6, 24, 42), 9: (6, 26, 46), 10: (6, 28, 50)}
LEVEL_BITS = {"L": 1, "M": 0, "Q": 3, "H": 2}
MASKS = [lambda x, y: (x + y) % 2 == 0, lambda x, y: y % 2 == 0, lambda x, y: x % 3 == 0,
         lambda x, y: (x + y) % 3 == 0, lambda x, y: (x // 3 + y // 2) % 2 == 0,
         lambda x, y: x * y % 2 + x * y % 3 == 0, lambda x, y: (x * y % 2 + x * y % 3) % 2 == 0,
         lambda x, y: ((x + y) % 2 + x * y % 3) % 2 == 0]


class Unreadable(AssertionError):
    pass


def _format_bits(level: str, mask: int) -> int:
    data = LEVEL_BITS[level] << 3 | mask
    rem = data
    for _ in range(10):
        rem = (rem << 1) ^ ((rem >> 9) * 0x537)
    return (data << 10 | rem) ^ 0x5412


def _format_positions(size: int) -> list[list[tuple[int, int]]]:
    """(x, y) of bit i of each copy of the format information."""
    first = [(8, i) for i in range(6)] + [(8, 7), (8, 8), (7, 8)] + [(14 - i, 8) for i in range(9, 15)]
    second = [(size - 1 - i, 8) for i in range(8)] + [(8, size - 15 + i) for i in range(8, 15)]
    return [first, second]


def _function_modules(version: int, size: int) -> set[tuple[int, int]]:
    taken = set()
    for x0, y0 in ((0, 0), (size - 8, 0), (0, size - 8)):  # finders with separators
        taken |= {(x0 + dx, y0 + dy) for dx in range(8) for dy in range(8)}
    taken |= {(6, i) for i in range(size)} | {(i, 6) for i in range(size)}  # timing
    for copy in _format_positions(size):
        taken |= set(copy)
    taken.add((8, size - 8))  # the dark module
    centres = ALIGNMENT[version]
    for cx in centres:
        for cy in centres:
            if (cx, cy) in ((centres[0], centres[0]), (centres[0], centres[-1]),
                            (centres[-1], centres[0])):
                continue  # under a finder
            taken |= {(cx + dx, cy + dy) for dx in range(-2, 3) for dy in range(-2, 3)}
    if version >= 7:
        for a in range(6):
            for b in range(size - 11, size - 8):
                taken |= {(a, b), (b, a)}
    return taken


def _gf_tables():
    exp, log, value = [0] * 512, [0] * 256, 1
    for i in range(255):
        exp[i], log[value] = value, i
        value <<= 1
        if value & 0x100:
            value ^= 0x11D
    for i in range(255, 512):
        exp[i] = exp[i - 255]
    return exp, log


EXP, LOG = _gf_tables()


def _syndromes_are_zero(block: list[int], ec_count: int) -> bool:
    for i in range(ec_count):
        total = 0
        for codeword in block:  # Horner at alpha^i
            total = (EXP[LOG[total] + i] if total else 0) ^ codeword
        if total:
            return False
    return True


def read(grid) -> str:
    """The text of a QR code given as rows of dark (truthy) and light modules, no quiet zone."""
    size = len(grid)
    version = (size - 17) // 4
    if size != 17 + 4 * version or version not in M_LEVEL or any(len(row) != size for row in grid):
        raise Unreadable(f"not a version 1-10 grid: {size} modules")
    dark = lambda x, y: bool(grid[y][x])  # noqa: E731
    found = None
    for level in LEVEL_BITS:
        for mask in range(8):
            bits = _format_bits(level, mask)
            if all(dark(x, y) == bool(bits >> i & 1) for copy in _format_positions(size)
                   for i, (x, y) in enumerate(copy)):
                found = (level, mask)
    if found is None:
        raise Unreadable("no format information matches")
    level, mask = found
    if level != "M":
        raise Unreadable(f"level {level}: this reader knows level M only")
    taken = _function_modules(version, size)
    bits = []
    right = size - 1  # column pairs from the right, up then down, skipping the timing column
    while right >= 1:
        right = 5 if right == 6 else right
        upward = ((right + 1) & 2) == 0
        for vert in range(size):
            y = size - 1 - vert if upward else vert
            for x in (right, right - 1):
                if (x, y) not in taken:
                    bits.append(dark(x, y) ^ MASKS[mask](x, y))
        right -= 2
    ec, blocks, total = M_LEVEL[version]
    codewords = [int("".join("1" if b else "0" for b in bits[i:i + 8]), 2)
                 for i in range(0, total * 8, 8)]
    short_len = total // blocks
    shorts = blocks - total % blocks
    data_lens = [short_len - ec + (0 if b < shorts else 1) for b in range(blocks)]
    split = [[] for _ in range(blocks)]
    stream = iter(codewords)
    for i in range(max(data_lens)):
        for b in range(blocks):
            if i < data_lens[b]:
                split[b].append(next(stream))
    for _ in range(ec):
        for b in range(blocks):
            split[b].append(next(stream))
    if not all(_syndromes_are_zero(block, ec) for block in split):
        raise Unreadable("Reed-Solomon check failed")
    data = [c for b in range(blocks) for c in split[b][:data_lens[b]]]
    stream_bits = "".join(f"{c:08b}" for c in data)
    if stream_bits[:4] != "0100":
        raise Unreadable(f"mode {stream_bits[:4]}: this reader knows byte mode only")
    count_len = 8 if version <= 9 else 16
    count = int(stream_bits[4:4 + count_len], 2)
    start = 4 + count_len
    raw = bytes(int(stream_bits[start + 8 * i:start + 8 * i + 8], 2) for i in range(count))
    return raw.decode("utf-8")
