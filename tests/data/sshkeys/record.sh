#!/usr/bin/env bash
# Re-records the SSH key test data with the local ssh-keygen. Public keys only,
# plus one throwaway private key (never used anywhere) that the tests prove is
# skipped without its content reaching a log. Run from this directory.
#   valid keys:      ed25519.pub rsa3072.pub rsa1024.pub ecdsa256.pub ecdsa384.pub
#                    ecdsa521.pub sk-ed25519.pub sk-ecdsa.pub multi.pub
#   fingerprints.txt ssh-keygen -lf of every valid key (the expected values)
#   not keys:        id_throwaway (private) password.txt known_hosts options.pub
#                    cert.pub dsa.pub rfc4716.pub mismatch.pub badb64.pub
#                    trailing.pub rsa768.pub empty.pub
set -eu
cd "$(dirname "$0")"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
gen() { ssh-keygen -q -N '' -t "$1" ${3:+-b "$3"} -C "$2" -f "$t/k"; cp "$t/k.pub" "$4"; rm -f "$t/k" "$t/k.pub"; }
gen ed25519 "agent@node1" "" ed25519.pub
gen rsa "rsa agent" 3072 rsa3072.pub
gen rsa "old-rsa" 1024 rsa1024.pub
gen ecdsa "ecdsa256" 256 ecdsa256.pub
gen ecdsa "ecdsa384" 384 ecdsa384.pub
gen ecdsa "ecdsa521" 521 ecdsa521.pub
# FIDO keys cannot be made without a token: these blobs are built by hand in
# OpenSSH's PROTOCOL.u2f layout from the keys above, and ssh-keygen -l accepts them.
/usr/bin/python3 - <<'PY'
import base64, struct
def s(b): return struct.pack(">I", len(b)) + b
def blob(path): return base64.b64decode(open(path).read().split()[1])
def strings(b):
    out = []
    while b:
        n = struct.unpack(">I", b[:4])[0]; out.append(b[4:4+n]); b = b[4+n:]
    return out
ed = strings(blob("ed25519.pub"))
sk = s(b"sk-ssh-ed25519@openssh.com") + s(ed[1]) + s(b"ssh:")
open("sk-ed25519.pub", "w").write("sk-ssh-ed25519@openssh.com %s fido-ed25519\n" % base64.b64encode(sk).decode())
ec = strings(blob("ecdsa256.pub"))
sk = s(b"sk-ecdsa-sha2-nistp256@openssh.com") + s(ec[1]) + s(ec[2]) + s(b"ssh:")
open("sk-ecdsa.pub", "w").write("sk-ecdsa-sha2-nistp256@openssh.com %s fido-ecdsa\n" % base64.b64encode(sk).decode())
rsa = open("rsa3072.pub").read().split()
open("mismatch.pub", "w").write("ssh-ed25519 %s claims-ed25519\n" % rsa[1])
open("badb64.pub", "w").write("ssh-ed25519 %s truncated\n" % open("ed25519.pub").read().split()[1][:-6])
b = blob("ed25519.pub") + b"\0\0\0\0"
open("trailing.pub", "w").write("ssh-ed25519 %s trailing-bytes\n" % base64.b64encode(b).decode())
PY
# An authorized_keys-style file: comments, a blank line, CRLF endings.
printf '# two agents\r\n%s\r\n\r\n%s\r\n' "$(cat ed25519.pub)" "$(cat ecdsa256.pub)" >multi.pub
ssh-keygen -q -N '' -t ed25519 -C "THROWAWAY-PRIVATE-KEY-never-use" -f "$t/p"
cp "$t/p" id_throwaway
echo "correct horse battery staple" >password.txt
echo "[backup-server]:2222 $(cut -d' ' -f1,2 ed25519.pub)" >known_hosts
echo "from=\"10.0.0.0/8\",restrict $(cat ed25519.pub)" >options.pub
ssh-keygen -q -N '' -t ed25519 -C ca -f "$t/ca"
cp ed25519.pub "$t/u.pub"
ssh-keygen -q -s "$t/ca" -I agent -n restic "$t/u.pub"
cp "$t/u-cert.pub" cert.pub
ssh-keygen -q -N '' -t dsa -C old-dsa -f "$t/d" 2>/dev/null && cp "$t/d.pub" dsa.pub
ssh-keygen -e -f ed25519.pub >rfc4716.pub
# 768-bit RSA: ssh-keygen refuses to make one, so the modulus is cut by hand.
/usr/bin/python3 - <<'PY'
import base64, struct
def s(b): return struct.pack(">I", len(b)) + b
n = b"\x00" + b"\xc3" * 96
open("rsa768.pub", "w").write("ssh-rsa %s tiny\n" % base64.b64encode(s(b"ssh-rsa") + s(b"\x01\x00\x01") + s(n)).decode())
PY
: >empty.pub
for f in ed25519.pub rsa3072.pub rsa1024.pub ecdsa256.pub ecdsa384.pub ecdsa521.pub sk-ed25519.pub sk-ecdsa.pub; do
	echo "$f $(ssh-keygen -lf "$f")"
done >fingerprints.txt
