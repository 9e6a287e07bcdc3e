now=$(echo inner)
echo "got $now"
echo "nested: $(echo a $(echo b $(echo c)))"
lines=$(echo one; echo two)
echo "$lines"
count=$(echo x y z | wc -w)
echo $count
echo "trailing newlines dropped: [$(echo hi; echo; echo)]"
