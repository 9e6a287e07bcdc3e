printf 'apple\nbanana\napple\ncherry\nbanana\napple\n' > /tmp/wc.in
for fruit in apple banana cherry kiwi; do
    n=$(grep -c "$fruit" /tmp/wc.in)
    [ "$n" -gt 0 ] && echo "$fruit $n" || echo "$fruit none"
done
rm /tmp/wc.in
