printf 'alpha 1\nbeta 2\ngamma 3\n' > /tmp/wr.txt
total=0
while read name value; do
    echo "$name -> $value"
    total=$((total + value))
done < /tmp/wr.txt
echo "total $total"
count=0
while read line; do count=$((count + 1)); done < /tmp/wr.txt
echo "$count lines"
rm /tmp/wr.txt
