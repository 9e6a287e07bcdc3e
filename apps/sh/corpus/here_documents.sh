name=world
cat <<EOF
hello $name
  indented line
sum: $((1 + 2))
EOF
cat <<'QUOTED'
kept as written: $name $((1 + 2))
QUOTED
	cat <<-TABS
	tabs before these lines go
		even two
	TABS
while read a b; do echo "$b $a"; done <<END
1 one
2 two
END
read first <<X
only line
X
echo "read: $first"
cat <<A; echo between; cat <<B
from A
A
from B
B
