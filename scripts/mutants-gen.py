#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# mutants-gen.py: the mutants of make mutants (scripts/mutants.sh), made
# from the C text of driver/*.c, deterministically: the same file gives
# the same mutants, in the same order, with the same ids.
#
#   mutants-gen.py list FILE...        every mutant of each FILE, one a line:
#                                      ID, FILE:LINE, OPERATOR, the line
#                                      before and after (tab-separated)
#   mutants-gen.py list --max N --seed S FILE...
#                                      N of each file's mutants, chosen by a
#                                      random generator seeded with S
#   mutants-gen.py apply FILE ID       FILE with mutant ID in it, on stdout
#   mutants-gen.py write DIR FILE...   each mutant of each FILE into DIR/ID.c,
#                                      to read or diff them all
#   mutants-gen.py sources DIR         the C sources of DIR to mutate, sorted:
#                                      its *.c as the shell's glob finds them
#                                      (no dot files), but kbuild's *.mod.c,
#                                      which an in-tree build writes
#
# Only the code inside function bodies is mutated: comments, string and
# character literals, preprocessor lines and everything outside a function
# (initializers of ops tables, static_assert) are masked first. A mutant
# never changes the number of lines, so __LINE__ (WARN_ON's) stays put;
# it changes exactly the lines it lists: one, but for a statement written
# over several lines (all of them) and a lock (its lock and unlock lines).
#
# Operators, each a fault a reviewer has seen in real drivers:
#   errno   a -EXXX becomes 0
#   cmp     <, <=, >, >= moved by one (< to <=, <= to <, ...)
#   check   the return of an error check deleted: the body "return -EXXX;"
#           (or "return ret;", "return PTR_ERR(x);", "return x;" after
#           "x < 0", any of them in ERR_PTR()) of an if becomes ";", its
#           condition still evaluated
#   lock    a lock call and the unlocks that pair with it in the same
#           function dropped (";", or 0 for a lock called in a condition)
#   zero    a zeroing removed: kzalloc to kmalloc (and the other z/c
#           allocators), __GFP_ZERO dropped, get_zeroed_page to
#           __get_free_page, a memset() or clear_page() statement deleted
#   ref     a reference taken dropped: atomic_inc(), refcount_inc(),
#           kref_get(), get_device(), get_page(), get_file() statements
#           deleted, x = get_device(y) and fops_get(y) become (y)
#
# -EINTR is left alone, as are the checks that return it: kbuf returns it
# only to a task that a fatal signal is killing (a *_killable() wait,
# fatal_signal_pending()), and such a task never sees the value. Mutants
# that only change what a dying task gets would all survive and say
# nothing about the tests.
"""Make the mutants of kbuf's driver sources (make mutants)."""

import os
import random
import re
import sys

# Allocators that zero, and the same call without the zeroing.
ZERO_CALLS = {
    'kzalloc': 'kmalloc',
    'kzalloc_node': 'kmalloc_node',
    'kvzalloc': 'kvmalloc',
    'kvzalloc_node': 'kvmalloc_node',
    'kcalloc': 'kmalloc_array',
    'kvcalloc': 'kvmalloc_array',
    'vzalloc': 'vmalloc',
    'vzalloc_node': 'vmalloc_node',
    'get_zeroed_page': '__get_free_page',
}
# Statements that zero memory, deleted whole.
ZERO_STMTS = ('memset', 'clear_page')
# Statements that take a reference or count a user, deleted whole.
REF_STMTS = ('atomic_inc', 'atomic_long_inc', 'atomic64_inc', 'refcount_inc',
             'kref_get', 'get_device', 'get_page', 'get_file')
# Calls whose value is their argument with a reference taken: (arg).
REF_EXPRS = ('get_device', 'fops_get')
# Each lock call and the unlock that pairs with it.
LOCKS = {
    'mutex_lock': 'mutex_unlock',
    'mutex_lock_killable': 'mutex_unlock',
    'mutex_lock_interruptible': 'mutex_unlock',
    'spin_lock': 'spin_unlock',
    'spin_lock_irq': 'spin_unlock_irq',
    'spin_lock_irqsave': 'spin_unlock_irqrestore',
    'spin_lock_bh': 'spin_unlock_bh',
    'down_read': 'up_read',
    'down_read_killable': 'up_read',
    'down_read_interruptible': 'up_read',
    'down_write': 'up_write',
    'down_write_killable': 'up_write',
}
# The order of the operators among the mutants of one line.
OPS = ('errno', 'cmp', 'check', 'lock', 'zero', 'ref')
CMP_SWAP = {'<': '<=', '<=': '<', '>': '>=', '>=': '>'}
# Errno values a dying task gets (see the header).
SKIP_ERRNOS = ('EINTR', 'ERESTARTSYS')
SIGNAL_CONDS = re.compile(r'_killable\s*\(|_interruptible\s*\(|'
                          r'fatal_signal_pending\s*\(')


def mask(text):
    """TEXT with comments, literals and preprocessor lines blanked.

    Every masked character becomes a space, newlines stay: offsets and
    line numbers of the result are those of TEXT.
    """
    out = list(text)
    i, n = 0, len(text)
    line_start = True

    def blank(a, b):
        for k in range(a, b):
            if out[k] != '\n':
                out[k] = ' '

    while i < n:
        c = text[i]
        if c == '\n':
            line_start = True
            i += 1
            continue
        if line_start and c == '#':
            j = i
            while j < n and (text[j] != '\n' or text[j - 1] == '\\'):
                j += 1
            blank(i, j)
            i = j
            continue
        if not c.isspace():
            line_start = False
        if text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            j += 1
        else:
            i += 1
            continue
        blank(i, j)
        i = j
    return ''.join(out)


def function_bodies(code):
    """(open, close) offsets of the braces of each function body.

    A brace at file level opens a function body when what comes before it
    (since the last ';' or '}' at file level) ends with ')' and has no '='
    (which would make it an initializer).
    """
    bodies = []
    depth = 0
    head_start = 0
    opened = None
    for i, c in enumerate(code):
        if c == '{':
            if depth == 0:
                head = code[head_start:i].strip()
                is_func = head.endswith(')') and '=' not in head
                opened = i if is_func else None
            depth += 1
        elif c == '}':
            depth -= 1
            if depth == 0:
                if opened is not None:
                    bodies.append((opened, i))
                opened = None
                head_start = i + 1
        elif c == ';' and depth == 0:
            head_start = i + 1
    return bodies


def matching(code, pos, step):
    """Offset of the bracket matching the one at POS (STEP 1 or -1)."""
    pairs = {'(': ')', ')': '(', '{': '}', '}': '{'}
    want, mine = pairs[code[pos]], code[pos]
    depth = 0
    i = pos
    while 0 <= i < len(code):
        if code[i] == mine:
            depth += 1
        elif code[i] == want:
            depth -= 1
            if depth == 0:
                return i
        i += step
    return -1


class Source:
    """One C file: its lines, masked code and function bodies."""

    def __init__(self, path, text):
        self.path = path
        self.stem = os.path.splitext(os.path.basename(path))[0]
        self.text = text
        self.code = mask(text)
        self.lines = text.split('\n')
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line) + 1)
        self.bodies = []
        for a, b in function_bodies(self.code):
            self.bodies.append((self.line_of(a) + 1, self.line_of(b) - 1))

    def line_of(self, off):
        """0-based line number of offset OFF."""
        lo, hi = 0, len(self.lines) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= off:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def code_line(self, ln):
        """The masked code of 0-based line LN."""
        return self.code[self.starts[ln]:self.starts[ln] + len(self.lines[ln])]

    def prev_code(self, off):
        """Offset of the last non-blank code character before OFF."""
        i = off - 1
        while i >= 0 and self.code[i].isspace():
            i -= 1
        return i

    def next_code(self, off):
        """Offset of the first non-blank code character from OFF."""
        i = off
        while i < len(self.code) and self.code[i].isspace():
            i += 1
        return i

    def statement(self, ln):
        """(first, last, end) of the statement that starts line LN.

        Only for a line whose code starts with a call, NAME(...);: the
        offsets are those of its first character and of its ';'.
        """
        first = self.next_code(self.starts[ln])
        m = re.match(r'(\w+)\s*\(', self.code[first:])
        if not m:
            return None
        close = matching(self.code, first + m.end() - 1, 1)
        end = self.next_code(close + 1)
        if close < 0 or end >= len(self.code) or self.code[end] != ';':
            return None
        return m.group(1), first, end

    def if_condition(self, off, end):
        """The condition of the if whose body holds the statement at OFF.

        The statement (OFF to its ';' at END) is the body of "if (...)",
        or the last statement of a braced block opened right after it.
        """
        i = self.prev_code(off)
        after = self.next_code(end + 1)
        if after < len(self.code) and self.code[after] == '}':
            i = self.prev_code(matching(self.code, after, -1))
        elif i >= 0 and self.code[i] == '{':
            i = self.prev_code(i)
        if i < 0 or self.code[i] != ')':
            return None
        op = matching(self.code, i, -1)
        if op < 0 or not re.search(r'(^|[^\w])if\s*$', self.code[:op]):
            return None
        return self.code[op + 1:i]


class Mutant:
    """One fault: edits (0-based line, new text) and what it is."""

    def __init__(self, src, op, ln, col, new_line, extra=(), note=''):
        self.src = src
        self.op = op
        self.line = ln
        self.col = col
        self.edits = [(ln, new_line)] + list(extra)
        self.note = note
        self.ident = None

    def before(self):
        return self.src.lines[self.line].strip()

    def after(self):
        text = self.edits[0][1].strip()
        return text + self.note


def replace(line, a, b, new):
    """LINE with the characters from A to B replaced by NEW."""
    return line[:a] + new + line[b:]


def errno_mutants(src, ln, code, line):
    for m in re.finditer(r'-(E[A-Z][A-Z0-9]*)\b', code):
        if m.group(1) in SKIP_ERRNOS:
            continue
        before = code[:m.start()].rstrip()
        # A unary minus only: after an operator, a bracket or return.
        if not (before.endswith(('(', ',', '=', '?', ':')) or
                re.search(r'\breturn$', before)):
            continue
        yield Mutant(src, 'errno', ln, m.start(),
                     replace(line, m.start(), m.end(), '0'))


def cmp_mutants(src, ln, code, line):
    # Shifts and -> are matched first so that their < and > are skipped.
    for m in re.finditer(r'<<=?|>>=?|->|<=|>=|<|>', code):
        new = CMP_SWAP.get(m.group())
        if new:
            yield Mutant(src, 'cmp', ln, m.start(),
                         replace(line, m.start(), m.end(), new))


def check_mutants(src, ln, code, line):
    for m in re.finditer(r'\breturn\b([^;]*);', code):
        cond = src.if_condition(src.starts[ln] + m.start(),
                                src.starts[ln] + m.end() - 1)
        if cond is None or SIGNAL_CONDS.search(cond):
            continue
        value = re.sub(r'^ERR_PTR\((.*)\)$', r'\1', m.group(1).strip())
        err = re.fullmatch(r'-(E[A-Z][A-Z0-9]*)', value)
        if err and err.group(1) in SKIP_ERRNOS:
            continue
        lt0 = re.search(r'\b' + re.escape(value) + r'\s*<\s*0\b', cond)
        if err or lt0 or re.fullmatch(r'ret|err|PTR_ERR\(\w+\)', value):
            yield Mutant(src, 'check', ln, m.start(),
                         replace(line, m.start(), m.end(), ';'))


def delete_statement(src, ln, op, note=''):
    """A mutant deleting the call statement that starts line LN."""
    stmt = src.statement(ln)
    if not stmt:
        return None
    _, first, end = stmt
    last = src.line_of(end)
    col = first - src.starts[ln]
    line = src.lines[ln]
    if last == ln:
        new = replace(line, col, end - src.starts[ln] + 1, ';')
    else:
        new = line[:col] + ';'
    extra = [(k, '') for k in range(ln + 1, last + 1)]
    if last != ln:
        note = note or ' (%d lines)' % (last - ln + 1)
    return Mutant(src, op, ln, col, new, extra, note)


def lock_arg(code, open_paren):
    """The first argument of the call whose '(' is at OPEN_PAREN."""
    close = matching(code, open_paren, 1)
    args = code[open_paren + 1:close]
    return re.sub(r'\s+', '', args.split(',')[0]), close


def lock_mutants(src, ln, code, line, body):
    for m in re.finditer(r'\b(\w+)\s*\(', code):
        unlock = LOCKS.get(m.group(1))
        if not unlock:
            continue
        paren = src.starts[ln] + m.end() - 1
        arg, close = lock_arg(src.code, paren)
        unlocks = paired_unlocks(src, ln, body, m.group(1), unlock, arg)
        if not unlocks:
            continue
        note = ' (and %d %s)' % (len(unlocks), unlock)
        stmt = src.statement(ln)
        at = src.starts[ln] + m.start()
        if stmt and stmt[0] == m.group(1) and stmt[1] == at:
            mut = delete_statement(src, ln, 'lock', note)
        else:
            # Called in a condition: the lock "succeeds" without locking.
            end = close - src.starts[ln] + 1
            mut = Mutant(src, 'lock', ln, m.start(),
                         replace(line, m.start(), end, '0'), (), note)
        for k in unlocks:
            mut.edits.append((k, re.sub(r'\S.*', ';', src.lines[k], count=1)))
        yield mut


def paired_unlocks(src, ln, body, lock, unlock, arg):
    """Lines after LN in BODY that are the statement UNLOCK(ARG);.

    Up to the next lock of the same object: those unlocks pair with it.
    """
    found = []
    for k in range(ln + 1, body[1] + 1):
        calls = [(m.group(1),
                  lock_arg(src.code, src.starts[k] + m.end() - 1)[0])
                 for m in re.finditer(r'\b(\w+)\s*\(', src.code_line(k))]
        if any(LOCKS.get(name) == unlock and a == arg for name, a in calls):
            break
        stmt = src.statement(k)
        if stmt and stmt[0] == unlock and calls[0] == (unlock, arg):
            found.append(k)
    return found


def zero_mutants(src, ln, code, line):
    for m in re.finditer(r'\b(\w+)(\s*\()', code):
        new = ZERO_CALLS.get(m.group(1))
        if new:
            yield Mutant(src, 'zero', ln, m.start(),
                         replace(line, m.start(), m.end(1), new))
    for m in re.finditer(r'\s*\|\s*__GFP_ZERO\b|\b__GFP_ZERO\s*\|\s*', code):
        yield Mutant(src, 'zero', ln, m.start(),
                     replace(line, m.start(), m.end(), ''))
    stmt = src.statement(ln)
    if stmt and stmt[0] in ZERO_STMTS:
        yield delete_statement(src, ln, 'zero')


def ref_mutants(src, ln, code, line):
    stmt = src.statement(ln)
    if stmt and stmt[0] in REF_STMTS:
        yield delete_statement(src, ln, 'ref')
        return
    for m in re.finditer(r'\b(\w+)\s*\(', code):
        if m.group(1) in REF_EXPRS:
            close = matching(src.code, src.starts[ln] + m.end() - 1, 1)
            end = close - src.starts[ln]
            if src.line_of(close) != ln:
                continue
            arg = line[m.end():end]
            yield Mutant(src, 'ref', ln, m.start(),
                         replace(line, m.start(), end + 1, '(%s)' % arg))
        elif m.group(1) == 'try_module_get':
            close = matching(src.code, src.starts[ln] + m.end() - 1, 1)
            yield Mutant(src, 'ref', ln, m.start(),
                         replace(line, m.start(), close - src.starts[ln] + 1,
                                 'true'))


def mutants_of(src):
    """Every mutant of SRC, in order, with its id."""
    found = []
    for body in src.bodies:
        for ln in range(body[0], body[1] + 1):
            code = src.code_line(ln)
            if not code.strip():
                continue
            line = src.lines[ln]
            gens = {
                'errno': errno_mutants(src, ln, code, line),
                'cmp': cmp_mutants(src, ln, code, line),
                'check': check_mutants(src, ln, code, line),
                'lock': lock_mutants(src, ln, code, line, body),
                'zero': zero_mutants(src, ln, code, line),
                'ref': ref_mutants(src, ln, code, line),
            }
            for op in OPS:
                found.extend(m for m in gens[op] if m)
    for n, mut in enumerate(found, 1):
        mut.ident = '%s-%03d' % (src.stem, n)
    return found


def apply(src, mut):
    """The text of SRC with MUT in it."""
    lines = list(src.lines)
    for ln, new in mut.edits:
        lines[ln] = new
    return '\n'.join(lines)


def load(path):
    with open(path, encoding='utf-8') as f:
        return Source(path, f.read())


def cmd_list(args):
    limit, seed = None, 1
    while args and args[0].startswith('--'):
        if args[0] == '--max':
            limit = int(args[1])
        elif args[0] == '--seed':
            seed = int(args[1])
        else:
            sys.exit('mutants-gen.py: unknown option ' + args[0])
        args = args[2:]
    for path in args:
        muts = mutants_of(load(path))
        if limit is not None and limit < len(muts):
            # One generator per file: a file's sample does not depend on
            # which other files are listed.
            rng = random.Random('%d:%s' % (seed, os.path.basename(path)))
            muts = sorted(rng.sample(muts, limit), key=lambda m: m.ident)
        for m in muts:
            print('\t'.join((m.ident, '%s:%d' % (path, m.line + 1), m.op,
                             m.before(), m.after())))


def cmd_apply(args):
    if len(args) != 2:
        sys.exit('usage: mutants-gen.py apply FILE ID')
    src = load(args[0])
    for m in mutants_of(src):
        if m.ident == args[1]:
            sys.stdout.write(apply(src, m))
            return
    sys.exit('mutants-gen.py: %s has no mutant %s' % (args[0], args[1]))


def cmd_write(args):
    if len(args) < 2:
        sys.exit('usage: mutants-gen.py write DIR FILE...')
    for path in args[1:]:
        src = load(path)
        for m in mutants_of(src):
            with open(os.path.join(args[0], m.ident + '.c'), 'w',
                      encoding='utf-8') as f:
                f.write(apply(src, m))


def cmd_sources(args):
    if len(args) != 1:
        sys.exit('usage: mutants-gen.py sources DIR')
    for name in sorted(os.listdir(args[0])):
        if (name.endswith('.c') and not name.endswith('.mod.c') and
                not name.startswith('.')):
            print(os.path.join(args[0], name))


def main(argv):
    cmds = {'list': cmd_list, 'apply': cmd_apply, 'write': cmd_write,
            'sources': cmd_sources}
    if len(argv) < 2 or argv[1] not in cmds:
        sys.exit('usage: mutants-gen.py list [--max N --seed S] FILE... | '
                 'apply FILE ID | write DIR FILE... | sources DIR')
    cmds[argv[1]](argv[2:])


if __name__ == '__main__':
    main(sys.argv)
