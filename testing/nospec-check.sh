#!/bin/bash
# Every function Documentation/badinput.rst lists under "Indices under
# speculation" still clamps its index with array_index_nospec().
# Usage: nospec-check.sh TOP  -- prints what is missing, exits 1 if any.
top=${1:?top}
rc=0
n=0
while read -r file fn _; do
	body=$(awk -v fn="$fn" '
		!infn && $0 ~ "^[a-z].*[ *]" fn "\\(" { infn = 1 }
		infn { print }
		infn && /^}/ { exit }' "$top/$file")
	if [ -z "$body" ]; then
		echo "nospec-check: $file: no function $fn"
		rc=1
	elif ! grep -q 'array_index_nospec' <<<"$body"; then
		echo "nospec-check: $file: $fn no longer clamps its index"
		rc=1
	fi
	n=$((n + 1))
done < <(sed -n '/^\.\. nospec table/,/^\.\. end of the nospec table/p' \
		"$top/Documentation/badinput.rst" | grep '^irqchip/')
[ "$n" -gt 0 ] || { echo "nospec-check: the table is empty"; rc=1; }
exit $rc
