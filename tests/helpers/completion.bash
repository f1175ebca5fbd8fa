# SPDX-License-Identifier: GPL-2.0-only
#
# kbufctl's bash completion driven as bash drives it, for the suites that
# test it (host/40-completion.bats, 85-kbufctl.bats, 85-layout.bats). The
# suite sources user/completion/kbufctl itself.

# kbuf_comp WORD...: the completions of the last WORD of the command line
# WORD..., space-separated: COMP_WORDS and COMP_CWORD set, and _kbufctl
# called with the command, the word and the one before, as bash calls it.
kbuf_comp() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	_kbufctl kbufctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	echo "${COMPREPLY[*]}"
}
