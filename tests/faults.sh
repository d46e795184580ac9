# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests/faults.test (host) and tests/lab/t/50-faults.sh (lab VM):
# the README's table of bad input and faults, read row by row, so that the
# tests assert exactly what the table promises.
#
# A row: | id | case | what the user sees | exit |. "What the user sees" is
# the whole of stderr: lines joined by <br>, backticks around each, "…"
# standing for a part that varies (a pid, a count), "\|" for "|".
#
# The includer defines report COND-STATUS DESCRIPTION (one TAP result).

declare -A FAULT_SEE FAULT_RC FAULT_CASE
FAULT_IDS=()

# fault_load README: read the rows between the table's two markers.
fault_load() {
	local line id case see rc in=0
	while IFS= read -r line; do
		case "$line" in
		"<!-- faults -->"*) in=1; continue ;;
		"<!-- end of faults -->"*) in=0; continue ;;
		esac
		[ "$in" = 1 ] || continue
		case "$line" in "| \`"*) ;; *) continue ;; esac
		line=${line//\\|/$'\x01'}
		IFS='|' read -r _ id case see rc _ <<<"$line"
		id=${id//\`/}; id=${id// /}
		see=${see#"${see%%[! ]*}"}; see=${see%"${see##*[! ]}"}
		see=${see//\`/}
		see=${see//<br>/$'\n'}
		see=${see//$'\x01'/|}
		[ "$see" = "(nothing)" ] && see=
		rc=${rc// /}
		FAULT_IDS+=("$id")
		FAULT_SEE[$id]=$see
		FAULT_RC[$id]=$rc
		case=${case//$'\x01'/|}
		case=${case#"${case%%[! ]*}"}; case=${case%"${case##*[! ]}"}
		FAULT_CASE[$id]=${case//\`/}
	done <"$1"
}

# The row's text as a bash pattern: "…" matches anything, the rest itself.
fault_pattern() {
	local s=${1//…/$'\x02'} out= c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case "$c" in
		$'\x02') out+='*' ;;
		'*' | '?' | '[' | ']' | '\') out+="\\$c" ;;
		*) out+=$c ;;
		esac
	done
	printf '%s' "$out"
}

# fault_check ID STATUS STDERR-FILE: the status and the whole of stderr are
# what row ID says. One result.
fault_check() {
	local id=$1 rc=$2 err pat
	err=$(<"$3")
	if [ -z "${FAULT_RC[$id]+set}" ]; then
		report 1 "fault $id: no such row in the README's table"
		return 1
	fi
	pat=$(fault_pattern "${FAULT_SEE[$id]}")
	# shellcheck disable=SC2053 # the right side is a pattern on purpose
	if [ "$rc" = "${FAULT_RC[$id]}" ] && [[ $err == $pat ]]; then
		report 0 "fault $id (${FAULT_CASE[$id]}): exit $rc, as the table says"
		return 0
	fi
	printf '# want exit %s and stderr:\n' "${FAULT_RC[$id]}"
	printf '%s\n' "${FAULT_SEE[$id]}" | sed 's/^/#   /'
	printf '# got exit %s and stderr:\n' "$rc"
	printf '%s\n' "$err" | sed 's/^/#   /'
	report 1 "fault $id (${FAULT_CASE[$id]}): exit $rc, as the table says"
	return 1
}
