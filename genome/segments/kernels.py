"""Compiled loops behind previews: a rule run as a small program block by block, and an audience's sums.

Why compiled: at ten million customers one column is tens of megabytes, and
numpy makes a full-size temporary for every step (a five-condition rule made a
dozen, and picking the audience's values out for the histogram another). These
loops read each column once, keep a block of rows in the processor's cache
while every condition and AND/OR/NOT runs on it, and use both cores.

A rule is a postfix program (`genome.segments.program` writes it). Each
condition answers per row in two bits: 3 yes, 0 no, 2 maybe. "Maybe" comes
from numbers, which the program reads as one-byte quantile codes: a row whose
code is the one bucket the threshold falls inside cannot be decided from its
code. AND, OR and NOT combine the answers bit by bit as Kleene's three-valued
logic does (yes = both bits, maybe = the high bit alone), and the rows still
"maybe" at the end are decided from their exact float64 values, so the mask is
exactly what comparing the numbers gives.
"""

import numba
import numpy as np
from numba import njit, prange

# Calls come from many app sessions at once: only OpenMP or TBB may run parallel loops from several threads.
numba.config.THREADING_LAYER = "threadsafe"


def workers() -> int:
    """Threads the compiled loops split their blocks over (numba's, one per core by default)."""
    return numba.get_num_threads()


BLOCK = 4096  # rows per block: a block's few stack rows stay in the first-level cache
MISSING = 255  # the one-byte code of a missing value (a number's NaN, a category's no value)

# opcodes: each program row is [op, a, b, c, d, e, f, g] with a float row [low, high]
CONST, FLAG, RANGE, IN, PRESENT, AND, OR, NOT, BITS = range(9)
# CONST  a: the answer (0 or 3) for every row
# FLAG   a: a one-byte column of 0/1 (a mask worked out another way: event counts, a saved segment)
# BITS   a: a flag gene as packed bits, eight rows a byte (lowest bit first): an eighth of the bytes to read
# RANGE  a: a code column; b: the float column; c, d: codes that may hold a match; e, f: codes that hold
#        only matches (e > f: none); g: bit 0 the low end counts, bit 1 the high end counts
# IN     a: a code column; b, c: where its wanted codes start in `sets`, and how many
# PRESENT a: a code column; yes where the code is not MISSING


@njit(parallel=True, cache=True, boundscheck=False)
def run(ops, bounds, sets, codes, numbers, size, depth, out, workers, bins, nbins, values, reach, base):
    """Evaluate the program over rows 0..size-1 into `out` (one byte per row: 1 in the audience), on `workers`
    threads; returns the audience's figures as `audience_sums` does, summed while each block is in cache."""
    blocks = (size + BLOCK - 1) // BLOCK
    scalars, histogram, reached = _tallies(workers, nbins, len(reach))
    for worker in prange(workers):
        # each worker takes every workers-th block and keeps its stack and scratch rows from block to block
        stack = np.empty((depth, BLOCK), np.uint8)
        rows = np.empty(BLOCK, np.int64)
        answers = np.empty((depth, BLOCK), np.bool_)
        for block in range(worker, blocks, workers):
            start = block * BLOCK
            length = min(size, start + BLOCK) - start
            _block(ops, sets, codes, start, length, stack)
            final = stack[0]
            target = out[start:start + length]
            undecided = 0
            for j in range(length):
                v = final[j]
                target[j] = v & np.uint8(1)
                undecided += (v >> np.uint8(1)) & ~v & np.uint8(1)
            if undecided:
                found = 0
                for j in range(length):  # few: a branch that is almost never taken costs less than a gather
                    if final[j] == 2:
                        rows[found] = start + j
                        found += 1
                _exact(ops, bounds, sets, codes, numbers, rows[:found], answers)
                for q in range(found):
                    out[rows[q]] = answers[0, q]
            _add_block(target, start, block, rows, bins, values, reach, base, histogram[worker], reached[worker],
                       scalars[worker])
    return _totals(scalars, histogram, reached, nbins, len(reach))


@njit(cache=True, boundscheck=False)
def _block(ops, sets, codes, start, length, stack):
    """The program's three-valued answers for one block of rows, left in stack[0]."""
    top = -1
    for k in range(ops.shape[0]):
        op = ops[k, 0]
        if op == AND or op == OR:
            top -= 1
            row, other = stack[top], stack[top + 1]
            if op == AND:
                for j in range(length):
                    row[j] &= other[j]
            else:
                for j in range(length):
                    row[j] |= other[j]
            continue
        if op == NOT:  # yes <-> no, maybe stays maybe: swap the two bits, then flip both
            row = stack[top]
            for j in range(length):
                v = row[j]
                row[j] = (((v & np.uint8(1)) << np.uint8(1)) | (v >> np.uint8(1))) ^ np.uint8(3)
            continue
        top += 1
        row = stack[top]
        if op == CONST:
            answer = np.uint8(ops[k, 1])
            for j in range(length):
                row[j] = answer
            continue
        if op == BITS:  # blocks start at multiples of eight rows, so the block's bits start at a whole byte
            bits = codes[ops[k, 1]][start >> 3:(start + length + 7) >> 3]
            for j in range(length):
                row[j] = ((bits[j >> 3] >> np.uint8(j & 7)) & np.uint8(1)) * np.uint8(3)
            continue
        column = codes[ops[k, 1]][start:start + length]
        if op == FLAG:
            for j in range(length):
                row[j] = column[j] * np.uint8(3)
        elif op == RANGE:
            may_low, may_high = np.uint8(ops[k, 3]), np.uint8(ops[k, 4])
            sure_low, sure_high = np.uint8(ops[k, 5]), np.uint8(ops[k, 6])
            for j in range(length):
                c = column[j]
                may = np.uint8(c >= may_low) & np.uint8(c <= may_high)
                sure = np.uint8(c >= sure_low) & np.uint8(c <= sure_high)
                row[j] = (may << np.uint8(1)) | sure
        elif op == IN:
            for j in range(length):
                row[j] = 0
            for s in range(ops[k, 2], ops[k, 2] + ops[k, 3]):
                wanted = np.uint8(sets[s])
                for j in range(length):
                    row[j] |= np.uint8(column[j] == wanted) * np.uint8(3)
        else:  # PRESENT
            for j in range(length):
                row[j] = np.uint8(column[j] != MISSING) * np.uint8(3)


@njit(cache=True, boundscheck=False)
def _exact(ops, bounds, sets, codes, numbers, rows, answers):
    """The answers for the given rows from their exact values (the few the codes leave undecided): answers[0]."""
    n = rows.size
    top = -1
    for k in range(ops.shape[0]):
        op = ops[k, 0]
        if op == AND:
            top -= 1
            for q in range(n):
                answers[top, q] = answers[top, q] and answers[top + 1, q]
            continue
        if op == OR:
            top -= 1
            for q in range(n):
                answers[top, q] = answers[top, q] or answers[top + 1, q]
            continue
        if op == NOT:
            for q in range(n):
                answers[top, q] = not answers[top, q]
            continue
        top += 1
        if op == CONST:
            for q in range(n):
                answers[top, q] = ops[k, 1] == 3
            continue
        column = codes[ops[k, 1]]
        if op == BITS:
            for q in range(n):
                answers[top, q] = (column[rows[q] >> 3] >> (rows[q] & 7)) & 1 != 0
        elif op == FLAG:
            for q in range(n):
                answers[top, q] = column[rows[q]] != 0
        elif op == RANGE:
            values = numbers[ops[k, 2]]
            low, high, ends = bounds[k, 0], bounds[k, 1], ops[k, 7]
            for q in range(n):
                x = values[rows[q]]
                above = x > low or ((ends & 1) != 0 and x == low)  # NaN compares false: never in a range
                below = x < high or ((ends & 2) != 0 and x == high)
                answers[top, q] = above and below
        elif op == IN:
            for q in range(n):
                c = column[rows[q]]
                hit = False
                for s in range(ops[k, 2], ops[k, 2] + ops[k, 3]):
                    hit = hit or c == sets[s]
                answers[top, q] = hit
        else:  # PRESENT
            for q in range(n):
                answers[top, q] = column[rows[q]] != MISSING


@njit(parallel=True, cache=True, boundscheck=False)
def audience_sums(mask, bins, nbins, values, reach, size, workers, base):
    """How many rows the mask holds, how many of them fall in each value bin, their values' sum and sum of
    squares, and how many are in each of the `reach` masks (packed bits, as `BITS` reads them: small enough to
    stay in cache while the audience's rows are looked up in them).

    `base` is `block_sums` of everyone: a block mostly in the audience is
    summed over the rows outside it and taken from the block's totals, so the
    work is bounded by the smaller side of each block.
    """
    blocks = (size + BLOCK - 1) // BLOCK
    scalars, histogram, reached = _tallies(workers, nbins, len(reach))
    for worker in prange(workers):
        rows = np.empty(BLOCK, np.int64)
        for block in range(worker, blocks, workers):
            start = block * BLOCK
            part = mask[start:min(size, start + BLOCK)]
            _add_block(part, start, block, rows, bins, values, reach, base, histogram[worker], reached[worker],
                       scalars[worker])
    return _totals(scalars, histogram, reached, nbins, len(reach))


@njit(cache=True)
def _tallies(workers, nbins, paths):
    """Each worker's running sums (count, sum, sum of squares), histogram and reach counts, a row per worker
    whole cache lines apart: two threads adding to neighbouring numbers for every row fight over one cache
    line, five times slower for a third of ten million customers."""
    width = 8  # 64-byte lines of 8-byte numbers
    return (np.zeros((workers, width)), np.zeros((workers, (nbins + width - 1) // width * width), np.int64),
            np.zeros((workers, max((paths + width - 1) // width * width, width)), np.int64))


@njit(cache=True)
def _totals(scalars, histogram, reached, nbins, paths):
    """The workers' tallies added up: (count, histogram, sum, sum of squares, reach counts)."""
    return (np.int64(scalars[:, 0].sum()), histogram.sum(axis=0)[:nbins], scalars[:, 1].sum(), scalars[:, 2].sum(),
            reached.sum(axis=0)[:max(paths, 1)])


@njit(cache=True, boundscheck=False)
def _add_block(part, start, block, rows, bins, values, reach, base, histogram, reached, own):
    """Add one block's audience (`part`: its mask bytes) to a worker's sums."""
    _, base_histogram, base_sums, base_squares, base_reached = base
    inside = 0
    for j in range(part.size):
        inside += part[j]
    own[0] += inside
    dense = 2 * inside > part.size
    wanted = np.uint8(0 if dense else 1)
    few = min(inside, part.size - inside)
    found = 0
    if few == 0:
        pass
    elif few * 8 < part.size:  # few rows: skip the eight-row words without one, look inside the rest
        whole = part.size // 8
        words = part[:whole * 8].view(np.uint64)
        skip = np.uint64(0x0101010101010101) if dense else np.uint64(0)
        for w in range(whole):
            if words[w] != skip:
                for j in range(8 * w, 8 * w + 8):
                    if part[j] == wanted:
                        rows[found] = start + j
                        found += 1
        for j in range(8 * whole, part.size):
            if part[j] == wanted:
                rows[found] = start + j
                found += 1
    else:  # many: gathered without a branch per row
        for j in range(part.size):
            rows[found] = start + j
            found += part[j] == wanted
    sign = 1
    if dense:  # the block's totals, less the rows outside the audience
        sign = -1
        for b in range(base_histogram.shape[1]):
            histogram[b] += base_histogram[block, b]
        own[1] += base_sums[block]
        own[2] += base_squares[block]
        for r in range(len(reach)):
            reached[r] += base_reached[block, r]
    block_sum, block_squares = 0.0, 0.0
    for q in range(found):
        i = rows[q]
        histogram[bins[i]] += sign
        v = values[i]
        block_sum += v
        block_squares += v * v
    own[1] += sign * block_sum
    own[2] += sign * block_squares
    for r in range(len(reach)):
        bits = reach[r]
        n = 0
        for q in range(found):
            i = rows[q]
            n += (bits[i >> 3] >> (i & 7)) & 1
        reached[r] += sign * n


@njit(parallel=True, cache=True, boundscheck=False)
def block_sums(bins, nbins, values, reach, size):
    """Per block of everyone: rows, rows per value bin, values' sum and sum of squares, rows in each reach mask."""
    blocks = (size + BLOCK - 1) // BLOCK
    count = np.zeros(blocks, np.int64)
    histogram = np.zeros((blocks, nbins), np.int64)
    sums = np.zeros(blocks)
    squares = np.zeros(blocks)
    reached = np.zeros((blocks, max(len(reach), 1)), np.int64)
    for block in prange(blocks):
        start = block * BLOCK
        stop = min(size, start + BLOCK)
        count[block] = stop - start
        for i in range(start, stop):
            histogram[block, bins[i]] += 1
            sums[block] += values[i]
            squares[block] += values[i] * values[i]
        for r in range(len(reach)):
            bits = reach[r]
            for i in range(start, stop):
                reached[block, r] += (bits[i >> 3] >> (i & 7)) & 1
    return count, histogram, sums, squares, reached
