#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vncat --pty over vsock loopback: "vncat -l --pty -c bash" driven from a
# terminal (a python pty runs "vncat --pty 1 PORT" and types): tty names a
# /dev/pts device, TERM and the window size come from our side, job control
# works (a background job, Ctrl-Z, fg, Ctrl-C), resizing our terminal
# reaches "stty size" over there, the session ends when the shell exits
# (though a background job still holds its terminal) and our terminal's
# settings come back, also after SIGTERM. Only when both sides asked for it:
# a plain client gets a pty without window sizes, and a --pty terminal
# talking to a plain program sends its keys and nothing else.
# lab-one-kernel: the tools' own logic, the same on every kernel
. "$NSV_SRCDIR/tests/lab/tap.sh"

need_modules vsock_loopback vsock_diag || done_testing
T=$LAB_TMP
PEER=(/usr/bin/python3 "$NSV_SRCDIR/tests/lab/vncat-peer.py")
SHELL_CMD='exec bash --norc --noprofile'
export PS1='PROMPT> '

# Output lines may start with bash's bracketed-paste sequences (ESC [?2004l
# CR): the patterns take CR or LF before a line.
# session PORT SCRIPT: run "vncat --pty 1 PORT" on a terminal, following SCRIPT
session() {
	"${PEER[@]}" pty-session "$2" -- vncat --pty 1 "$1"
}

# ------------------------------------------------ a shell with job control
bg sh -c "vncat -l 2900 --pty -c '$SHELL_CMD' 2>'$T/srv.err'; echo \$? >'$T/srv.rc'"
wait_vsock_listen 2900
cat >"$T/s1" <<'EOF'
expect the shell's prompt appears :: PROMPT> $
send tty\r
expect tty names a /dev/pts device :: [\r\n]/dev/pts/[0-9]+\r\n
send echo TERM=$TERM\r
expect TERM came from our side :: [\r\n]TERM=xterm-256color\r\n
send stty size\r
expect our window size (30x100) is the program's :: [\r\n]30 100\r\n
send sleep 1000 &\r
expect a background job starts :: \[1\] [0-9]+
send jobs\r
expect jobs lists it running :: \[1\]\+ +Running +sleep 1000 &
send sleep 101\r
wait-foreground sleep 101
send \x1a
expect Ctrl-Z stops the foreground job :: \[2\]\+ +Stopped +sleep 101
send fg\r
expect fg brings it back :: [\r\n]sleep 101\r\n
wait-foreground sleep 101
send \x03
expect Ctrl-C ends it, the prompt comes back :: PROMPT> $
resize 40 120
sleep 1
send stty size\r
expect resizing our terminal reaches stty size there :: [\r\n]40 120\r\n
resize 25 90
sleep 1
send stty size\r
expect and again :: [\r\n]25 90\r\n
send exit\r
wait-exit 0 the session ends when the shell exits, with sleep 1000 still in the background
check-termios our terminal's settings are back as they were
EOF
session 2900 "$T/s1"
ok $? "a --pty session against vncat -l --pty -c bash"
wait_for 30 test -s "$T/srv.rc"
is "$(cat "$T/srv.rc" 2>/dev/null)" 0 "the --pty server exits with the shell's status 0"

# ------------------------------------------- raw mode undone after SIGTERM
bg vncat -l 2901 --pty -c "$SHELL_CMD"
wait_vsock_listen 2901
cat >"$T/s2" <<'EOF'
expect the prompt appears :: PROMPT> $
kill SIGTERM
wait-exit -15 SIGTERM ends the terminal's side
check-termios and our terminal's settings are back
EOF
session 2901 "$T/s2"
ok $? "a --pty session ended by SIGTERM"

# ------------------------------------- a plain client of a --pty program
bg vncat -l 2902 --pty -c "$SHELL_CMD"
wait_vsock_listen 2902
out=$(printf 'tty; stty size\nexit\n' | timeout 60 socat -t 30 - VSOCK-CONNECT:1:2902 | tr -d '\r')
like "$out" $'^\e_vncat-pty;1\e\\\\' "a plain client first sees the program side's hello (an APC string)"
like "$out" '^/dev/pts/[0-9]+$' "a plain client still gets a terminal"
like "$out" '^0 0$' "but no window size: nothing it sent was taken as a frame"
like "$out" '^exit$' "its EOF came after its lines, as the terminal's Ctrl-D"

# ---------------------------------------- a --pty terminal, a plain program
bg vncat -l 2903 -c "head -c 6 >'$T/plain.in'"
wait_vsock_listen 2903
cat >"$T/s3" <<'EOF'
expect we are told the peer is plain :: is not a vncat --pty program
send hello\r
wait-exit 0 the session ends with the connection
check-termios our terminal's settings are back
EOF
session 2903 "$T/s3"
ok $? "a --pty terminal against a plain program"
is "$(od -An -c "$T/plain.in" | tr -s ' ')" " h e l l o \r" \
	"the plain program got our keys as typed: no hello, no frames"
done_testing
