#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# kbufctl layout beyond the first line (which tests/85-kbufctl.bats checks):
# the largest run, node and zone, page flags from /proc/kpageflags, the
# histogram of run lengths, --runs, --json, the ASCII fallback, --svg, and
# what a user without root gets. The module is loaded with its defaults:
# kmalloc and pages buffers of 64 KiB (one order-4 compound page each, as
# kmalloc_large() and __GFP_COMP make them), vmalloc of 1 MiB, map_mode=page.

load 'helpers/common'
load 'helpers/completion'

setup_file() {
	kbuf_file_setup
}

teardown_file() {
	kbuf_file_teardown
}

# The histogram row of $2 runs in bucket $1, with a bar of $3 glyphs $4.
hist_row() {
	local bar
	bar=$(printf "%${3}s" '' | sed "s/ /$4/g")
	printf '  %13s %6s  %s\n' "$1" "$2" "$bar"
}

# python3 reads kbufctl layout --json output on stdin and runs $1 on it
# as "l"; prints what the program prints.
json_check() {
	python3 -c "import json, sys; l = json.load(sys.stdin); $1"
}

# The zone /proc/zoneinfo gives frame $1: "node N ZONE".
zone_of() {
	awk -v pfn="$1" '
		/^Node/ { node = $2; sub(",", "", node); zone = $4 }
		$1 == "spanned" { spanned = $2 }
		$1 == "start_pfn:" && pfn >= $2 && pfn < $2 + spanned {
			print "node " node " " zone; exit
		}' /proc/zoneinfo
}

@test "layout of a 64 KiB kmalloc buffer: one compound page of 16 frames in one zone" {
	run -0 kbufctl layout kmalloc
	assert_line --index 2 --regexp '^  largest run: 16 pages \(64 KiB\), pages 0-15, frames 0x[0-9a-f]+-0x[0-9a-f]+$'
	local first=${lines[2]##*frames 0x}
	first=$((0x${first%%-*}))
	assert_line --index 3 "  memory: $(zone_of "$first") 16 pages"
	assert_line --index 4 '  page flags: compound_head 1, compound_tail 15'
	assert_line --index 5 '  runs by length in pages:'
	assert_line --index 6 "$(hist_row 16-31 1 32 █)"
	assert_equal "${#lines[@]}" 7
}

@test "layout of the pages buffer shows __GFP_COMP: one head, fifteen tails" {
	run -0 kbufctl layout pages
	assert_line --index 4 '  page flags: compound_head 1, compound_tail 15'
	assert_line --index 6 "$(hist_row 16-31 1 32 █)"
}

@test "layout of a vmalloc buffer shows order-0 pages: no compound, slab, buddy or reserved flag" {
	run -0 kbufctl layout vmalloc
	assert_line --index 4 '  page flags: none'
	assert_line --index 5 '  runs by length in pages:'
}

@test "layout of a two-page kmalloc buffer shows a slab page" {
	kbufctl_create small8k --backend kmalloc --size 8K
	run -0 kbufctl layout small8k
	assert_line --index 0 --regexp '^small8k \(kmalloc\)  8 KiB  2 pages  1 run   (█){2}$'
	# The object's pages are slab pages, tails (or the head) of a slab.
	assert_line --index 4 --regexp '^  page flags: (.*, )?slab 2$'
}

@test "layout --runs gives each run its frames, node, zone and flags" {
	run -0 kbufctl layout pages --runs
	assert_line --index 7 --regexp '^  run 0: pages 0-15 \(16\), frames 0x[0-9a-f]+-0x[0-9a-f]+, node [01] [A-Za-z0-9]+, flags compound_head 1 compound_tail 15$'
	assert_equal "${#lines[@]}" 8
}

@test "the histogram of an 8 MiB vmalloc buffer adds up to its runs and pages" {
	kbufctl_create big --backend vmalloc --size 8M
	run -0 kbufctl layout big --json
	local json=$output
	run -0 json_check '
runs = l["runs"]
assert l["pages"] == 2048 and l["run_count"] == len(runs)
assert sum(h["runs"] for h in l["histogram"]) == len(runs)
assert sum(r["pages"] for r in runs) == 2048
assert runs[l["largest_run"]]["pages"] == max(r["pages"] for r in runs)
for h in l["histogram"]:
    n = sum(1 for r in runs if h["min"] <= r["pages"] <= h["max"])
    assert n == h["runs"], h
for a, b in zip(runs, runs[1:]):
    assert b["first_page"] == a["first_page"] + a["pages"]
    assert b["first_frame"] != a["last_frame"] + 1
print(len(runs), "runs")' <<<"$json"
	echo "$output"
	run -0 kbufctl layout big
	assert_line --index 2 --regexp "^  largest run: $(json_check \
		'print(l["runs"][l["largest_run"]]["pages"])' <<<"$json") pages "
	# One histogram row per bucket from the shortest run to the longest.
	local rows
	rows=$(json_check 'h = l["histogram"]; print((h[-1]["max"] + 1).bit_length() - h[0]["min"].bit_length())' <<<"$json")
	assert_equal "$((${#lines[@]} - 6))" "$rows"
	# Kept for the lab book and for people: the text, the JSON, the SVG.
	kbufctl layout big --runs --svg "$KBUF_OUT/layout-big.svg" >"$KBUF_OUT/layout-big.txt"
	printf '%s\n' "$json" >"$KBUF_OUT/layout-big.json"
}

@test "layout --json of the kmalloc buffer says everything the text says" {
	run -0 kbufctl layout kmalloc --json
	assert_equal "${#lines[@]}" 1
	local json=$output
	run -0 json_check '
r = l["runs"][0]
print(l["name"], l["backend"], l["capacity"], l["page_size"], l["pages"],
      l["run_count"], l["largest_run"], l["source"])
print(l["histogram"], l["page_flags"])
print(r["first_page"], r["pages"], r["last_frame"] - r["first_frame"],
      r["node"], r["zone"] in ("DMA", "DMA32", "Normal"), r["flags"] == l["page_flags"])
print(l["memory"] == [{"node": r["node"], "zone": r["zone"], "pages": 16}],
      "page_flags_error" in l, "last_zone" in r)' <<<"$json"
	assert_output "kmalloc kmalloc 65536 4096 16 1 0 the driver's phys_addr (pagemap does not show pfn mappings)
[{'min': 16, 'max': 31, 'runs': 1}] {'compound_head': 1, 'compound_tail': 15, 'slab': 0, 'buddy': 0, 'reserved': 0, 'nopage': 0}
0 16 15 0 True True
True False False"
}

@test "layout draws with ASCII in a locale that is not UTF-8, and with --ascii" {
	run -0 env LC_ALL=C kbufctl layout kmalloc
	assert_line --index 0 --regexp '^kmalloc  64 KiB  16 pages  1 run   #{16}$'
	assert_line --index 6 "$(hist_row 16-31 1 32 '#')"
	local c_output=$output
	run -0 env LC_ALL=C.UTF-8 kbufctl layout -a kmalloc
	assert_output "$c_output"
	run -0 env LC_ALL=C.UTF-8 kbufctl layout --ascii kmalloc
	assert_output "$c_output"
}

@test "layout in ASCII shows breaks as / and \\" {
	kbufctl_create big --backend vmalloc --size 8M
	run -0 env LC_ALL=C kbufctl layout big
	local picture=${lines[0]##* }
	echo "picture: $picture"
	assert_equal "${#picture}" 64
	[[ $picture =~ ^[#/\\]+$ && $picture == *[/\\]* ]]
	[[ $output != *█* ]]
}

@test "layout --svg draws a well-formed picture with one band per run" {
	local svg=$BATS_TEST_TMPDIR/pages.svg
	run -0 kbufctl layout pages --svg "$svg"
	assert_line --index 4 '  page flags: compound_head 1, compound_tail 15'
	run -0 python3 -c '
import sys, xml.etree.ElementTree as et
ns = "{http://www.w3.org/2000/svg}"
root = et.parse(sys.argv[1]).getroot()
print(root.tag == ns + "svg", root.get("width"), root.get("height"))
print(root.find(ns + "title").text)
print(len(root.findall(ns + "polygon")))
print(root.findall(ns + "text")[0].text)' "$svg"
	assert_output 'True 960 250
pages: pages against physical frames
1
pages (pages): 64 KiB, 16 pages, 1 run, the largest 16 pages'
}

@test "layout --svg to a directory that does not exist exits 1 before printing" {
	run -1 kbufctl layout pages --svg /nonexistent/pages.svg
	assert_output 'kbufctl: /nonexistent/pages.svg: No such file or directory'
}

@test "layout --svg with an empty or missing file name is a usage error" {
	run -2 kbufctl layout pages --svg ''
	assert_output "kbufctl layout: --svg needs a file name
Try 'kbufctl layout --help' for more information."
	run -2 kbufctl layout pages --svg
	assert_output "kbufctl layout: option '--svg' requires an argument
Try 'kbufctl layout --help' for more information."
}

@test "layout without CAP_SYS_ADMIN prints no JSON and no picture, and exits 1" {
	run -1 kbuf_without_sys_admin kbufctl layout pages --json --svg "$BATS_TEST_TMPDIR/x.svg"
	assert_output "kbufctl: /dev/kbuf/pages: layout needs CAP_SYS_ADMIN: without it the kernel hides physical frame numbers (/proc/self/pagemap reads them as 0)"
	assert_file_not_exists "$BATS_TEST_TMPDIR/x.svg"
}

@test "with CAP_SYS_ADMIN but not root, layout shows the frames and says the flags are unknown" {
	local mode
	mode=$(stat -c %a "$KBUF_DEV/pages")
	chmod 0644 "$KBUF_DEV/pages"
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=+sys_admin --ambient-caps=+sys_admin -- \
		kbufctl layout pages --runs
	local text_status=$status text=$output
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=+sys_admin --ambient-caps=+sys_admin -- \
		kbufctl layout pages --json
	chmod "$mode" "$KBUF_DEV/pages"
	assert_equal "$text_status" 0
	local json=$output
	run -0 printf '%s\n' "$text"
	assert_line --index 2 --regexp '^  largest run: 16 pages '
	assert_line --index 4 '  page flags: unknown (/proc/kpageflags: Permission denied)'
	assert_line --index 7 --regexp ', node [01] [A-Za-z0-9]+, flags \?$'
	run -0 json_check 'print(l["page_flags"], l["page_flags_error"], l["runs"][0]["flags"])' <<<"$json"
	assert_output 'None /proc/kpageflags: Permission denied None'
}

@test "bash completion offers layout's options, and files after --svg" {
	source "$BATS_TEST_DIRNAME/../user/completion/kbufctl"
	assert_equal "$(kbuf_comp kbufctl layout pages --)" '--runs --json --ascii --svg --help'
	touch "$BATS_TEST_TMPDIR/picture.svg"
	assert_equal "$(kbuf_comp kbufctl layout pages --svg "$BATS_TEST_TMPDIR/pic")" \
		"$BATS_TEST_TMPDIR/picture.svg"
}
