#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The .debs of make check-package, installed in the VM with dpkg: the
# package's user for vsockdump, DKMS building nsvsock.ko for this kernel,
# the installed tools (man pages, completion) moving and capturing data
# over the installed module, then removal and purge leaving nothing.
. "$NSV_SRCDIR/tests/lab/tap.sh"

pkgdir=$NSV_BUILDDIR/lab-build/pkg
# Only what the packages installed: no build tree on the PATH.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
T=$LAB_TMP
kre=${LAB_KERNEL//./\\.}
kre=${kre//+/\\+}
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$NSV_SRCDIR/kmod-nsvsock/dkms.conf")
debs=("$pkgdir"/nsvsock_*.deb "$pkgdir"/nsvsock-dkms_*.deb)
[ -f "${debs[0]}" ] && [ -f "${debs[1]}" ]
ok $? "the two .debs are in the shared build tree (${debs[*]##*/})" || done_testing

# The VM sees the host's /usr and /etc read-only and has no dpkg state:
# overlay a throw-away writable layer on each, with a copy of the host's
# dpkg database. DKMS runs depmod on install and on remove, which over this
# kernel's 4230 modules takes 4 to 6 minutes under emulation: the VM's
# module tree holds vsock's modules and vsockmon (and what they need), the
# kernel's module lists and its headers' link.
sysroot() {
	local d=/tmp/nsv-sysroot k=$LAB_KERNEL f rel
	mkdir -p "$d/mods" /var/lib/dpkg /var/lib/dkms /var/log \
		/var/cache/debconf || return 1
	# vsock's own modules and vsockmon, whatever nsvsock.ko will need of them
	for f in $(find "/usr/lib/modules/$k/kernel/net/vmw_vsock" -name '*.ko*') vsockmon; do
		f=${f##*/}
		modprobe --show-depends "${f%%.ko*}" || return 1
	done | awk '$1 == "insmod" { print $2 }' | sort -u >"$d/mods.list"
	(cd "/usr/lib/modules/$k" && cp -a build modules.order modules.builtin \
		modules.builtin.modinfo "$d/mods/") || return 1
	while read -r f; do
		rel=${f#*/modules/$k/}
		mkdir -p "$d/mods/${rel%/*}" && cp "$f" "$d/mods/$rel" || return 1
	done <"$d/mods.list"
	for f in usr etc; do
		mkdir -p "$d/$f/up" "$d/$f/work" &&
			mount -t overlay "nsv-$f" \
				-o "lowerdir=/$f,upperdir=$d/$f/up,workdir=$d/$f/work" "/$f" ||
			return 1
	done
	mount -t tmpfs nsv-mods /usr/lib/modules && mkdir "/usr/lib/modules/$k" &&
		cp -a "$d/mods/." "/usr/lib/modules/$k/" && depmod -a "$k" &&
		tar -C /var/lib/dpkg -xf "$pkgdir/dpkg.tar" &&
		mkdir -p /var/lib/dpkg/updates /var/lib/dpkg/triggers
}
check "a writable layer over /usr and /etc, the vsock modules, the host's dpkg database" -- sysroot ||
	done_testing

# --------------------------------------------------------------- install
# A DKMS tarball of the module built on the host from the package's
# sources (tests/lab/package.test), where the postinst looks for one;
# without it DKMS compiles the module here, under emulation.
how="DKMS compiles nsvsock.ko here"
if [ -f "$pkgdir/nsvsock-$ver.dkms.tar.gz" ]; then
	mkdir -p /usr/share/nsvsock-dkms &&
		cp "$pkgdir/nsvsock-$ver.dkms.tar.gz" /usr/share/nsvsock-dkms/
	how="DKMS loads the host's build of nsvsock.ko"
fi
export DEBIAN_FRONTEND=noninteractive
t0=$SECONDS
dpkg -i "${debs[@]}" >"$T/install.log" 2>&1
ok $? "dpkg -i nsvsock nsvsock-dkms ($how: $((SECONDS - t0)) s)" ||
	sed 's/^/# /' "$T/install.log" | tail -n 40
# how long each step took
sed -n 's/^[0-9-]* \([0-9:]*\) status \([a-z-]*\) \(.*\)/# \1 \3 \2/p' /var/log/dpkg.log
is "$(dpkg-query -W -f='${db:Status-Abbrev}${Version} ' nsvsock nsvsock-dkms)" \
	"ii $ver-1 ii $ver-1 " "dpkg-query: both installed, version $ver-1"

IFS=: read -r _ _ uid _ _ home shell < <(getent passwd vsockdump)
[ -n "${uid:-}" ] && [ "$uid" -lt 1000 ] && [ "$home" = /nonexistent ] &&
	[ "$shell" = /usr/sbin/nologin ]
ok $? "postinst made the system user vsockdump (uid ${uid:-none}, $home, $shell)"
is "$(id -gn vsockdump 2>&1)" vsockdump "... in a group of its own"

# ----------------------------------------------------------------- tools
for f in /usr/bin/vncat /usr/bin/vsockstat /usr/sbin/vsockdump; do
	[ -x "$f" ] && [ -z "$(find "$f" -perm /6000)" ] && [ -z "$(getcap "$f")" ]
	ok $? "$f: executable, not setuid or setgid, no file capabilities"
	like "$("$f" --version 2>&1)" " $ver\$" "... --version says $ver"
done
like "$(vsockdump --help)" 'become USER once capturing \(root: vsockdump\)' \
	"vsockdump --help: root becomes vsockdump"
for p in vncat.1 vsock-hosts.5 nsvsock.7 vsockdump.8 vsockstat.8; do
	is "$(man -w "${p##*.}" "${p%.*}" 2>&1)" "/usr/share/man/man${p##*.}/$p.gz" \
		"man -w finds $p"
done
# As bash-completion loads it on first use, then asked for an option.
comp=$(bash -c '. /usr/share/bash-completion/bash_completion
	for t in vncat vsockstat vsockdump; do
		__load_completion $t && complete -p $t
	done
	COMP_WORDS=(vsockstat --summ); COMP_CWORD=1; COMPREPLY=()
	$(complete -p vsockstat | awk "{ print \$3 }") vsockstat --summ vsockstat
	echo "reply: ${COMPREPLY[*]}"' 2>&1)
is "$(grep -c '^complete -F _nsv_complete' <<<"$comp")" 3 \
	"bash-completion loads the installed completion of the 3 tools" || diag "$comp"
like "$comp" 'reply: --summary' "... which completes vsockstat --summ to --summary"

# ---------------------------------------------------------------- module
like "$(dkms status nsvsock 2>/dev/null)" "^nsvsock/$ver, $kre, [^:]*: installed\$" \
	"dkms status: nsvsock/$ver installed for $LAB_KERNEL"
ko=$(modinfo -n nsvsock 2>&1)
like "$ko" "^/lib/modules/$kre/updates/dkms/nsvsock\.ko(\.xz|\.zst|\.gz)?\$" \
	"modinfo -n nsvsock: DKMS's copy ($ko)"
is "$(modinfo -F vermagic nsvsock 2>&1 | cut -d' ' -f1)" "$LAB_KERNEL" "... built for $LAB_KERNEL"
if lsmod | grep -q '^vsock_loopback '; then
	wait_for 30 rmmod vsock_loopback
fi
modprobe nsvsock 2>"$T/modprobe.err"
ok $? "modprobe nsvsock (vsock_loopback's slot)" || {
	diag "$(cat "$T/modprobe.err")"
	done_testing
}
is "$(cat /proc/sys/net/nsvsock/ns_mode 2>&1)" global "the initial namespace is global"
need_modules vsock_diag vsockmon || done_testing

# ------------------------------------------- the tools over the module
# vsockdump as root without -Z: it becomes vsockdump, so it writes where
# that user may (LAB_TMP is root's alone).
cap=$(mktemp -d /tmp/nsv-cap.XXXXXX) && chmod 1777 "$cap"
bg vsockdump -U -w "$cap/cap.pcap" 2>"$T/dump.err"
dump=$BG_PID
wait_for 20 grep -q listening "$T/dump.err"
ok $? "vsockdump listens" || diag "$(cat "$T/dump.err")"
# the owners of the running vsockdump processes, sorted, on one line
dump_users() {
	ps -o user:20= -C vsockdump | sort | tr -s '\n ' ' '
}
wait_for 10 eval '[ "$(dump_users)" = "root vsockdump " ]'
is "$(dump_users)" "root vsockdump " \
	"it captures as user vsockdump; a root parent stays to remove the vsockmon device"

head -c 1M /dev/urandom >"$T/data"
bg sh -c "exec vncat -l 5000 >'$T/recv' </dev/null"
server=$BG_PID
check "vsockstat --wait-listen 5000 sees vncat -l 5000" -- vsockstat --wait-listen 5000 --timeout 20
like "$(vsockstat -l -n -H)" 'stream +LISTEN +[^ ]*:5000 ' "vsockstat -l lists it"
check "vncat 1 5000 sends 1 MiB over nsvsock" -- vncat 1 5000 <"$T/data" ||
	kill -TERM -- "-$server"
wait "$server"
check "... byte for byte" -- cmp "$T/data" "$T/recv"

echo local >/proc/sys/net/nsvsock/child_ns_mode
new_netns loc || ok 1 "ip netns add loc"
bg sh -c "exec vncat -l 5001 >/dev/null </dev/null"
l5001=$BG_PID
vsockstat --wait-listen 5001 --timeout 20
ip netns exec loc vncat 1 5001 </dev/null >/dev/null 2>"$T/refused.err"
rc=$?
[ "$rc" = 1 ] && grep -q 'nothing listening on local:5001' "$T/refused.err"
ok $? "a local namespace cannot reach the initial one's listener (status $rc: $(cat "$T/refused.err"))"
kill -0 "$l5001" 2>/dev/null
ok $? "... which, still listening, never saw it"

sleep 0.5
kill -INT "$dump"
wait "$dump"
ok $? "vsockdump stops cleanly on SIGINT"
like "$(cat "$T/dump.err")" '^0 frames dropped by kernel' "... having lost no frame"
is "$(stat -c %U "$cap/cap.pcap")" vsockdump "the capture file belongs to vsockdump"
flows=$(vsockdump -r "$cap/cap.pcap" -q --flows -n 2>&1)
like "$(grep -A2 '> 1:5000:' <<<"$flows")" '> [0-9]+ frames, 1048576 bytes' \
	"the capture holds all 1048576 bytes sent to port 5000" || diag "$flows"
like "$flows" 'STREAM 1:[0-9]+ > 1:5001: refused' "... and the refused connect to port 5001"

mkdir -m 700 "$T/rootonly"
vsockdump -r "$cap/cap.pcap" -w "$T/rootonly/x.pcap" 2>"$T/w.err"
rc=$?
[ "$rc" = 1 ] && grep -q 'Permission denied (as user vsockdump; -Z root writes as root)' "$T/w.err"
ok $? "without -Z, root's vsockdump cannot write into a root-only directory, and says why" ||
	diag "$(cat "$T/w.err")"
check "vsockdump -Z root writes there" -- \
	vsockdump -Z root -r "$cap/cap.pcap" -w "$T/rootonly/x.pcap" 2>/dev/null
rm -rf "$cap"
kill -TERM -- "-$l5001" 2>/dev/null
wait "$l5001" 2>/dev/null
check "rmmod nsvsock" -- wait_for 30 rmmod nsvsock

# ---------------------------------------------------------------- remove
t0=$SECONDS
dpkg -r nsvsock-dkms >"$T/remove.log" 2>&1
ok $? "dpkg -r nsvsock-dkms ($((SECONDS - t0)) s)" || sed 's/^/# /' "$T/remove.log" | tail -n 20
is "$(find "/usr/lib/modules/$LAB_KERNEL" -name 'nsvsock.ko*' 2>/dev/null)" "" \
	"... takes DKMS's nsvsock.ko away"
is "$(dkms status nsvsock 2>/dev/null)" "" "... and leaves dkms nothing of it"
! test -e "/usr/src/nsvsock-$ver"
ok $? "... nor /usr/src/nsvsock-$ver"
t0=$SECONDS
dpkg -P nsvsock >"$T/purge.log" 2>&1
ok $? "dpkg -P nsvsock ($((SECONDS - t0)) s)" || sed 's/^/# /' "$T/purge.log" | tail -n 20
left=$(ls -d /usr/bin/vncat /usr/bin/vsockstat /usr/sbin/vsockdump \
	/usr/share/man/man*/vsock*.[158].gz /usr/share/man/man1/vncat.1.gz \
	/usr/share/bash-completion/completions/v*sock* \
	/usr/share/bash-completion/completions/vncat /usr/share/doc/nsvsock 2>/dev/null)
is "$left" "" "... leaves no tool, man page, completion or doc behind"
rm -rf /usr/share/nsvsock-dkms
is "$(dpkg-query -W -f='${db:Status-Abbrev}\n' nsvsock nsvsock-dkms 2>/dev/null |
	grep -c '^.i')" 0 "dpkg-query: neither is installed any more"
done_testing
