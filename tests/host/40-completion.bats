#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs on the host (tests/check.sh): the bash completion of the work tree,
# user/completion/kbufctl, driven as bash drives it (COMP_WORDS, COMP_CWORD,
# the function called with the command, the word and the one before) with
# the work tree's kbufctl on PATH, whose --help it reads. No module: there
# is no /sys/class/kbuf here, so each test replaces _kbufctl_buffers, the
# one function that lists the buffers, by one that names kmalloc, pages and
# vmalloc; what is tested is which words get buffer names. The guests test
# the real list (tests/85-kbufctl.bats). bash-completion's library is not
# loaded: the file works on its own.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load '../helpers/completion'

setup_file() {
	TREE=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	export TREE
}

setup() {
	[[ -x $TREE/user/kbufctl/kbufctl ]] ||
		skip "user/kbufctl/kbufctl is not built: make -C user"
	PATH=$TREE/user/kbufctl:$PATH
	# bash's default: --opt=value reaches the function as three words.
	COMP_WORDBREAKS=$' \t\n"\'@><=;|&(:'
	# shellcheck source=../../user/completion/kbufctl
	source "$TREE/user/completion/kbufctl"
	_kbufctl_buffers() { printf '%s\n' kmalloc pages vmalloc; }
	# Known files for --file and --svg.
	cd "$BATS_TEST_TMPDIR" || return
	touch harbor.txt other.txt
	mkdir hat
	touch hat/inner.txt
}

# The same, sorted: file names come in the directory's order.
comp_sorted() {
	kbuf_comp "$@" >/dev/null
	printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd ' '
}

# Assert that the line "$@" completes to nothing; a failure names the line.
refute_comp() {
	assert_equal "$*: $(kbuf_comp "$@")" "$*: "
}

@test "the file registers _kbufctl for kbufctl" {
	run -0 complete -p kbufctl
	assert_output 'complete -F _kbufctl kbufctl'
}

@test "the first word completes the commands, --help and --version" {
	assert_equal "$(kbuf_comp kbufctl re)" 'read resize'
	assert_equal "$(kbuf_comp kbufctl cr)" 'create'
	assert_equal "$(kbuf_comp kbufctl --)" '--help --version'
}

@test "help completes a command, once" {
	assert_equal "$(kbuf_comp kbufctl help cr)" 'create'
	refute_comp kbufctl help create ''
}

@test "a dash completes the options of the command, from its --help" {
	assert_equal "$(kbuf_comp kbufctl list --)" \
		'--output --noheadings --raw --bytes --json --help'
	assert_equal "$(kbuf_comp kbufctl layout pages --)" \
		'--runs --json --ascii --svg --help'
	assert_equal "$(kbuf_comp kbufctl create x --ba)" '--backend'
}

@test "--backend, --gfp, --map, --node, --pattern and --via complete their values" {
	assert_equal "$(kbuf_comp kbufctl create x --backend v)" 'vmalloc'
	assert_equal "$(kbuf_comp kbufctl create x -B v)" 'vmalloc'
	assert_equal "$(kbuf_comp kbufctl create x --gfp '')" 'kernel atomic'
	assert_equal "$(kbuf_comp kbufctl create x -M '')" 'page pfn'
	# The nodes with memory the kernel may use, from this machine's list.
	assert_equal "$(kbuf_comp kbufctl create x --node '')" "$(python3 -c '
r = open("/sys/devices/system/node/has_normal_memory").read().strip()
n = []
for p in r.split(","):
    lo, _, hi = p.partition("-")
    n += range(int(lo), int(hi or lo) + 1)
print(" ".join(map(str, n)))')"
	assert_equal "$(kbuf_comp kbufctl fill pages -p '')" 'seq random: byte:0x'
	assert_equal "$(kbuf_comp kbufctl verify pages --via '')" 'read mmap'
	assert_equal "$(kbuf_comp kbufctl fill pages -m '')" 'write mmap'
}

@test "list --output completes the last column of a comma list, in any case" {
	assert_equal "$(kbuf_comp kbufctl list -o name,ma)" 'name,MAP name,MAPPINGS'
	assert_equal "$(kbuf_comp kbufctl list --output na)" 'NAME'
}

@test "--opt=value completes the value as --opt value does" {
	assert_equal "$(kbuf_comp kbufctl list --output = na)" 'NAME'
	assert_equal "$(kbuf_comp kbufctl list --output =)" \
		'NAME BACKEND CAPACITY LENGTH MAP GFP MAPPINGS OPENS EXPORTS'
	assert_equal "$(kbuf_comp kbufctl list --output = name,ma)" 'name,MAP name,MAPPINGS'
	assert_equal "$(kbuf_comp kbufctl create x --backend = v)" 'vmalloc'
	assert_equal "$(kbuf_comp kbufctl create x --gfp =)" 'kernel atomic'
	assert_equal "$(kbuf_comp kbufctl fill pages --pattern = b)" 'byte:0x'
	assert_equal "$(kbuf_comp kbufctl verify pages --via = m)" 'mmap'
}

@test "export: options, the buffer, then -- and a command, its arguments files" {
	assert_equal "$(kbuf_comp kbufctl ex)" 'export'
	assert_equal "$(kbuf_comp kbufctl export --)" '--read-only --socket --help'
	assert_equal "$(kbuf_comp kbufctl export --read-only p)" 'pages'
	assert_equal "$(kbuf_comp kbufctl export pages '')" '--'
	assert_equal "$(kbuf_comp kbufctl export pages -- kbufct)" 'kbufctl'
	assert_equal "$(kbuf_comp kbufctl export --read-only pages -- kbufct)" 'kbufctl'
	assert_equal "$(comp_sorted kbufctl export pages -- cat ha)" 'harbor.txt hat'
	assert_equal "$(comp_sorted kbufctl export pages -- sh -c ha)" 'harbor.txt hat'
	assert_equal "$(comp_sorted kbufctl export pages --socket ha)" 'harbor.txt hat'
	assert_equal "$(comp_sorted kbufctl export pages --socket = ha)" 'harbor.txt hat'
	assert_equal "$(kbuf_comp kbufctl export --socket sock p)" 'pages'
	refute_comp kbufctl export pages --socket sock ''
}

@test "--opt=value keeps --opt= in front when COMP_WORDBREAKS has no =" {
	COMP_WORDBREAKS=$' \t\n'
	assert_equal "$(kbuf_comp kbufctl list --output=na)" '--output=NAME'
	assert_equal "$(kbuf_comp kbufctl create x --backend=v)" '--backend=vmalloc'
}

@test "--file and --svg complete file names and directories" {
	assert_equal "$(comp_sorted kbufctl write vmalloc --file ha)" 'harbor.txt hat'
	assert_equal "$(comp_sorted kbufctl write vmalloc -f ha)" 'harbor.txt hat'
	assert_equal "$(comp_sorted kbufctl write vmalloc --file = ha)" 'harbor.txt hat'
	assert_equal "$(comp_sorted kbufctl write vmalloc --file '')" \
		'harbor.txt hat other.txt'
	assert_equal "$(kbuf_comp kbufctl write vmalloc --file hat/)" 'hat/inner.txt'
	assert_equal "$(comp_sorted kbufctl layout pages --svg ha)" 'harbor.txt hat'
}

@test "an option that takes free text completes nothing" {
	refute_comp kbufctl write vmalloc --data ''
	refute_comp kbufctl write vmalloc -d ''
	refute_comp kbufctl write vmalloc --offset ''
	refute_comp kbufctl write vmalloc -O v
	refute_comp kbufctl write vmalloc --offset = ''
	refute_comp kbufctl read vmalloc --offset ''
	refute_comp kbufctl read vmalloc --length ''
	refute_comp kbufctl read vmalloc -xl ''
	refute_comp kbufctl create x --size ''
	refute_comp kbufctl map vmalloc --offset ''
	refute_comp kbufctl map vmalloc --length ''
	refute_comp kbufctl map vmalloc --write ''
	refute_comp kbufctl map vmalloc --hold ''
	refute_comp kbufctl stress --threads ''
	refute_comp kbufctl stress --procs ''
	refute_comp kbufctl stress --seconds ''
	refute_comp kbufctl stress --ops ''
	refute_comp kbufctl stress --seed ''
	refute_comp kbufctl stress -S v
	refute_comp kbufctl bench --size ''
	refute_comp kbufctl bench --block ''
	refute_comp kbufctl bench --repeat ''
	refute_comp kbufctl bench --time ''
}

@test "which options take an argument is read from --help" {
	# A --zap N that kbufctl write does not have: once its --help shows
	# it, its argument completes nothing and is no positional.
	kbufctl() {
		if [[ $* == 'write --help' ]]; then
			command kbufctl write --help |
				sed 's/^ -h, --help/ -z, --zap N      new\n&/'
		else
			command kbufctl "$@"
		fi
	}
	refute_comp kbufctl write --zap ''
	refute_comp kbufctl write -z ''
	assert_equal "$(kbuf_comp kbufctl write --zap 5 v)" 'vmalloc'
}

@test "the DEV argument completes the buffers" {
	assert_equal "$(kbuf_comp kbufctl info '')" 'kmalloc pages vmalloc'
	assert_equal "$(kbuf_comp kbufctl fill v)" 'vmalloc'
	assert_equal "$(kbuf_comp kbufctl resize v)" 'vmalloc'
	assert_equal "$(kbuf_comp kbufctl truncate v)" 'vmalloc'
	assert_equal "$(kbuf_comp kbufctl clear v)" 'vmalloc'
	assert_equal "$(kbuf_comp kbufctl destroy v)" 'vmalloc'
}

@test "option arguments are skipped when counting to the DEV" {
	assert_equal "$(kbuf_comp kbufctl write --offset 4K v)" 'vmalloc'
	assert_equal "$(kbuf_comp kbufctl write --offset = 4K v)" 'vmalloc'
	assert_equal "$(kbuf_comp kbufctl write -d hi v)" 'vmalloc'
	assert_equal "$(kbuf_comp kbufctl write - v)" 'vmalloc'
	assert_equal "$(kbuf_comp kbufctl read -xl 5 v)" 'vmalloc'
	assert_equal "$(kbuf_comp kbufctl read --hex v)" 'vmalloc'
	assert_equal "$(kbuf_comp kbufctl read -- v)" 'vmalloc'
	# bash splits random:5 at the colon, as it splits --opt=value at the =.
	assert_equal "$(kbuf_comp kbufctl fill -p random : 5 v)" 'vmalloc'
	assert_equal "$(kbuf_comp kbufctl fill --pattern byte : 0x5a p)" 'pages'
}

@test "the arguments after the DEV complete nothing" {
	refute_comp kbufctl resize vmalloc ''
	refute_comp kbufctl truncate vmalloc ''
	refute_comp kbufctl info vmalloc ''
	refute_comp kbufctl clear vmalloc ''
	refute_comp kbufctl destroy vmalloc ''
	refute_comp kbufctl write vmalloc --offset 4K ''
	refute_comp kbufctl write --data hi vmalloc ''
}

@test "list and create take no buffer" {
	refute_comp kbufctl list ''
	refute_comp kbufctl create ''
	refute_comp kbufctl create x --backend vmalloc ''
}

@test "every positional of bench and stress completes the buffers" {
	assert_equal "$(kbuf_comp kbufctl bench '')" 'kmalloc pages vmalloc'
	assert_equal "$(kbuf_comp kbufctl bench kmalloc v)" 'vmalloc'
	assert_equal "$(kbuf_comp kbufctl bench -s 1M kmalloc p)" 'pages'
	assert_equal "$(kbuf_comp kbufctl stress -t 4 pages '')" 'kmalloc pages vmalloc'
	assert_equal "$(kbuf_comp kbufctl stress --seed 7 kmalloc pages v)" 'vmalloc'
}

@test "bench --scaling takes no buffer" {
	refute_comp kbufctl bench --scaling ''
	refute_comp kbufctl bench --scaling --repeat 3 ''
	refute_comp kbufctl bench --json --scaling ''
}

@test "bench --dmabuf takes no buffer" {
	refute_comp kbufctl bench --dmabuf ''
	refute_comp kbufctl bench --dmabuf --size 4M ''
	refute_comp kbufctl bench --json --dmabuf ''
}
