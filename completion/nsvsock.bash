# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for vsockstat, vsockdump and vncat: options, CID names,
# network namespaces, vsockmon devices and filter words.
#
# Installed once per command name; each copy serves all three. Options come
# from each tool's --help, so they never fall behind the tools. It needs no
# bash-completion helpers, only bash 4.

# Where namespaces and network devices are looked for (tests point these
# at made-up trees).
_nsv_netns_dir=/run/netns
_nsv_sysfs=/sys

# "OPTION PLACEHOLDER" a line for every option of $1 (placeholder "-" when
# it takes no argument), from its --help; kept for the rest of the session.
_nsv_help()
{
	local var=_nsv_help_${1//[^a-z]/_}
	if [[ -z ${!var-} ]]; then
		printf -v "$var" '%s' "$("$1" --help 2>/dev/null | awk '
			/^ +-/ {
				n = 0; arg = "-"
				for (i = 1; i <= NF; i++) {
					w = $i; sub(/,$/, "", w)
					if (w ~ /^--?[A-Za-z#]/) { o[++n] = w; continue }
					if (w ~ /^[A-Z]/) arg = w
					break
				}
				for (i = 1; i <= n; i++) print o[i], arg
			}')"
	fi
	printf '%s\n' "${!var}"
}

# The placeholder of option $2 of tool $1 if it takes an argument.
_nsv_argof()
{
	[[ $2 == -* ]] || return 1
	_nsv_help "$1" | awk -v o="$2" '$1 == o && $2 != "-" { print $2; f = 1 } END { exit !f }'
}

# Names of CIDs: the names file, then (unless NSV_VSOCK_HOSTS pins the
# names) the VMs running here whose CIDs the host kernel routes.
_nsv_cid_names()
{
	local f=${NSV_VSOCK_HOSTS-/etc/vsock-hosts}
	if [[ -n $f && -r $f ]]; then
		awk '{ sub(/#.*/, ""); for (i = 2; i <= NF; i++) print $i }' "$f"
	fi
	if [[ -z ${NSV_VSOCK_HOSTS+set} ]] && type -P vsockstat >/dev/null; then
		vsockstat --vms -H 2>/dev/null |
			awk '$5 == "vhost-vsock" && $2 != "-" { print $2 }'
	fi
}

_nsv_cids()
{
	printf '%s\n' host local hypervisor any
	_nsv_cid_names
}

_nsv_netns()
{
	local d
	for d in "$_nsv_netns_dir"/*; do
		[[ -e $d ]] && printf '%s\n' "${d##*/}"
	done
}

# Network devices of type 826 (ARPHRD_VSOCKMON).
_nsv_vsockmon()
{
	local d t
	for d in "$_nsv_sysfs"/class/net/*; do
		[[ -r $d/type ]] || continue
		read -r t <"$d/type" && [[ $t == 826 ]] && printf '%s\n' "${d##*/}"
	done
}

_nsv_states="established syn-sent syn-recv fin-wait-1 fin-wait-2 time-wait
closed close-wait last-ack listening closing unconn connected synchronized all"

# COMPREPLY for the argument of option $2 (placeholder $3) of tool $1.
_nsv_value()
{
	local tool=$1 opt=$2 arg=$3 cur=$4 words=''
	case $arg in
	FILE)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	USER) words=$(compgen -u) ;;
	IFACE) words=$(_nsv_vsockmon) ;;
	NAME\|PATH\|PID | NS) words=$(_nsv_netns) ;;
	CID) words=$(_nsv_cids) ;;
	LIST)
		case $opt in
		--state) words=$_nsv_states ;;
		--type) words="stream seqpacket dgram" ;;
		--cid | --allow-cid | --deny-cid) words=$(_nsv_cids) ;;
		esac
		;;
	esac
	mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
}

# COMPREPLY for a filter word after $2 (vsockstat's and vsockdump's); $4 is
# set when $2 ends no primitive (the command, an option or its argument).
_nsv_expr()
{
	local tool=$1 prev=$2 cur=$3 start=$4 words='' prims
	if [[ $tool == vsockstat ]]; then
		prims="sport dport src dst state cid host port type not"
	else
		prims="cid host port src dst op type len flags not"
	fi
	case $prev in
	cid | host) words=$(_nsv_cids) ;;
	state) words=$_nsv_states ;;
	type)
		words="stream seqpacket"
		[[ $tool == vsockstat ]] && words="$words dgram"
		;;
	op) words="request response rst shutdown rw credit_update credit_request" ;;
	flags) words="rcv send eom eor" ;;
	src | dst)
		words="cid host port"
		[[ $tool == vsockstat ]] && words="$words $(_nsv_cids)"
		;;
	not | and | or | '(' | '!' | '&&' | '||') words=$prims ;;
	*)
		# numbers and comparisons are the user's to type
		if [[ -n $start ]]; then
			words=$prims
		else
			words="and or"
		fi
		case $prev in
		port | sport | dport | len | '=' | '==' | '!=' | '<' | '>' | '<=' | '>=')
			return
			;;
		esac
		;;
	esac
	mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
}

_nsv_complete()
{
	local tool=${COMP_WORDS[0]##*/} cur=${COMP_WORDS[COMP_CWORD]} prev=
	local opt arg i operands=0
	COMPREPLY=()
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	# --opt=value: readline splits it at the '='
	if [[ $cur == = ]]; then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		cur=
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	fi
	if arg=$(_nsv_argof "$tool" "$prev"); then
		_nsv_value "$tool" "$prev" "$arg" "$cur"
		return
	fi
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W \
			"$(_nsv_help "$tool" | awk '{ print $1 }')" -- "$cur")
		return
	fi
	case $tool in
	vsockstat | vsockdump)
		local start=
		if ((COMP_CWORD == 1)) || [[ $prev == -* ]] ||
			{ ((COMP_CWORD > 1)) && _nsv_argof "$tool" \
				"${COMP_WORDS[COMP_CWORD - 2]}" >/dev/null; }; then
			start=1
		fi
		_nsv_expr "$tool" "$prev" "$cur" "$start"
		;;
	vncat)
		# operands so far, past options and their arguments
		for ((i = 1; i < COMP_CWORD; i++)); do
			opt=${COMP_WORDS[i]}
			if [[ $opt == -* ]]; then
				_nsv_argof vncat "$opt" >/dev/null && ((i++))
			else
				((operands++))
			fi
		done
		# the first operand is a CID (or an endpoint); then a port
		if ((operands == 0)); then
			mapfile -t COMPREPLY < <(compgen -W \
				"$(_nsv_cids) vsock: tcp: unix: hybrid:" -- "$cur")
		fi
		;;
	esac
}

complete -F _nsv_complete vsockstat vsockdump vncat
