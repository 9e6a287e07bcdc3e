echo "one two three" > /tmp/read.in
read first rest < /tmp/read.in
echo "first=$first rest=$rest"
echo "a b
c d e
f" | while read x y; do echo "x=$x y=$y"; done
count=0
{ echo l1; echo l2; echo l3; } > /tmp/read.lines
while read line; do count=$((count + 1)); echo "$count: $line"; done < /tmp/read.lines
rm /tmp/read.lines
rm /tmp/read.in
