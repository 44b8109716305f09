#!/usr/bin/env bash
# The package commands as a user runs them: keygen, pack, verify (good and each refusal),
# unpack. Usage: cli_package_test.sh WISP_BINARY MODEL.onnx
set -euo pipefail
wisp="$1" model="$2"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
expect_fail() {  # expect_fail REGEX COMMAND...: exit 1 and a message matching REGEX
  local re="$1" out rc=0
  shift
  out=$("$@" 2>&1) || rc=$?
  if [ "$rc" != 1 ] || ! grep -Eq "$re" <<<"$out"; then
    echo "FAIL: expected exit 1 and /$re/ from: $*"; echo "got rc=$rc: $out"; exit 1
  fi
}
"$wisp" keygen --out pub >/dev/null
"$wisp" keygen --out dev >/dev/null
"$wisp" keygen --out other >/dev/null
[ "$(stat -c %a pub.sign.key)" = 600 ] && [ "$(stat -c %a dev.box.key)" = 600 ] && [ "$(stat -c %a dev.box.pub)" = 644 ]
expect_fail "already exists" "$wisp" keygen --out pub
"$wisp" pack "$model" --name fmnist --version 1.0.0 --counter 5 --sign pub.sign.key \
  --encrypt-for dev.box.pub --expires 2099-12-31 --hardware rpi4 --min-runtime 0.0.1 -o m.wpkg >/dev/null
"$wisp" verify m.wpkg --trust pub.sign.pub | grep -q "not decrypted"
"$wisp" verify m.wpkg --trust pub.sign.pub --device-key dev.box.key --hardware rpi4 --min-counter 5 | grep -q "^OK: signature, payload hash, decryption"
expect_fail "not trusted" "$wisp" verify m.wpkg --trust other.sign.pub
expect_fail "not encrypted for this device" "$wisp" verify m.wpkg --trust pub.sign.pub --device-key other.box.key
expect_fail "built for hardware 'rpi4'" "$wisp" verify m.wpkg --trust pub.sign.pub --hardware jetson
expect_fail "downgrade" "$wisp" verify m.wpkg --trust pub.sign.pub --min-counter 6
expect_fail "expired" "$wisp" verify m.wpkg --trust pub.sign.pub --now 2100-01-01
head -c 1000 m.wpkg >cut.wpkg
expect_fail "truncated" "$wisp" verify cut.wpkg --trust pub.sign.pub
cp m.wpkg bad.wpkg
printf '\x01' | dd of=bad.wpkg bs=1 seek=40 conv=notrunc status=none
expect_fail "altered after signing" "$wisp" verify bad.wpkg --trust pub.sign.pub
chmod 640 dev.box.key
expect_fail "chmod 600" "$wisp" verify m.wpkg --trust pub.sign.pub --device-key dev.box.key
chmod 600 dev.box.key
# The device key from the environment; plaintext only where -o says.
WISP_DEVICE_KEY="$(cat dev.box.key)" "$wisp" unpack m.wpkg --trust pub.sign.pub -o out.onnx >/dev/null
cmp out.onnx "$model"
[ "$(stat -c %a out.onnx)" = 600 ]
"$wisp" inspect out.onnx >/dev/null
echo "ok"
