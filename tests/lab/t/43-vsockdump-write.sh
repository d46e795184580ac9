#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What a live vsockdump writes: -G 1 files named by the time, each handed to
# -z once closed (the last one too), as the user of -Z; pcapng with the
# device and its namespace in the interface description, read by capinfos,
# tcpdump and ourselves; --plot of the same capture when it ends.
# lab-one-kernel: the tools' own logic, the same on every kernel
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag vsockmon || done_testing
golden=$NSV_SRCDIR/tests/golden/vsockdump
chmod 755 "$LAB_TMP"
dir=$LAB_TMP/w
mkdir -m 777 "$dir"
cat >"$dir/post.sh" <<EOF
#!/bin/sh
echo "\$1 \$(id -un)" >>"$dir/post.log"
EOF
chmod 755 "$dir/post.sh"

# listening DUMP-PID ERRFILE: wait until vsockdump says it captures
listening() {
	wait_for 20 grep -q listening "$2" || { cat "$2"; return 1; }
}

# ------------------------------------------------- -G 1 -z, as nobody
bg vsockdump -Z nobody -U -w "$dir/cap-%H%M%S.pcap" -G 1 -z "$dir/post.sh" \
	2>"$dir/g.err"
dump=$BG_PID
listening "$dump" "$dir/g.err"
check "a line every 0.1 s for 4 s" -- /usr/bin/python3 "$golden/traffic.py" trickle
sleep 0.3
kill -INT "$dump"
wait "$dump"
ok $? "-G 1 -z -Z nobody: exits 0 on SIGINT"
mapfile -t files < <(cd "$dir" && ls cap-*.pcap)
ok $((${#files[@]} < 4)) "4 s of traffic: at least 4 files (${#files[@]})"
diag "files: ${files[*]}"
bad=0
for f in "${files[@]}"; do
	[[ $f =~ ^cap-[0-9]{6}\.pcap$ ]] || bad=1
done
ok $bad "their names are the -w name through strftime"
is "$(stat -c %U "${files[@]/#/$dir/}" | sort -u)" nobody \
	"the files belong to nobody (opened after -Z)"
# all of them read as one (several -r), counted (--count)
total=$(cd "$dir" && vsockdump $(printf -- '-r %s ' "${files[@]}") --count \
	2>/dev/null)
captured=$(sed -n 's/^\([0-9]*\) frames\{0,1\} captured$/\1/p' "$dir/g.err")
is "$total" "$captured frames" "the files hold every frame captured ($captured)"
is "$(cut -d' ' -f1 "$dir/post.log" | sort | tr '\n' ' ')" \
	"$(printf "$dir/%s " "${files[@]}")" \
	"-z ran once for each file, the last one included"
is "$(cut -d' ' -f2 "$dir/post.log" | sort -u)" nobody "-z ran as nobody"
is "$(ip -br link show type vsockmon)" "" "the vsockmon0 it created is gone"

# ---------------------- pcapng from inside a netns, and --plot at the end
new_netns nsa
bg vsockdump -N nsa -U -w "$dir/ns.pcapng" --plot "$dir/live.svg" \
	2>"$dir/ng.err"
dump=$BG_PID
listening "$dump" "$dir/ng.err"
check "stream, seqpacket, and a receiver that reads slowly (credit)" -- \
	/usr/bin/python3 "$golden/traffic.py" stream seqpacket credit
sleep 0.3
kill -INT "$dump"
wait "$dump"
ok $? "-N nsa -w ns.pcapng --plot live.svg: exits 0 on SIGINT"
captured=$(sed -n 's/^\([0-9]*\) frames\{0,1\} captured$/\1/p' "$dir/ng.err")
is "$(head -c 4 "$dir/ns.pcapng" | od -An -tx4 | tr -d ' ')" 0a0d0d0a \
	"the file is pcapng"
is "$(vsockdump -r "$dir/ns.pcapng" 2>/dev/null | wc -l)" "$captured" \
	"we read back every frame captured ($captured)"
# capinfos: what the Interface Description Block says (tshark's decoding of
# our pcapng is a host test: it takes half a minute to start under TCG)
info=$(capinfos -I "$dir/ns.pcapng" 2>&1)
ok $? "capinfos reads it" || diag "$info"
is "$(sed -n 's/^ *\(Name\|Description\|Number of packets\) = //p' <<<"$info")" \
	"vsockmon0
netns nsa
$captured" "the interface is vsockmon0, described as netns nsa, with every frame"
is "$(tcpdump -r "$dir/ns.pcapng" 2>/dev/null | wc -l)" "$captured" \
	"tcpdump reads every frame"
out=$(/usr/bin/python3 - "$dir/live.svg" <<'EOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
def cls(n):
    return [e for e in root.iter() if e.get("class") == n]
title = "".join(cls("title")[0].itertext())
print(len(cls("flow")), len(cls("stall")) > 0, ":1236" in title,
      sum(e.get("d", "").count("M") for e in cls("credit-update")) > 0)
EOF
)
is "$out" "3 True True True" \
	"the live picture: the busiest connection first (to :1236), its stalls and credit updates"

done_testing
