mkdir /tmp/lc
for n in c a b; do echo $n > /tmp/lc/$n.txt; done
for f in $(ls /tmp/lc); do echo "file $f holds $(cat /tmp/lc/$f)"; done
count=0
for line in $(cat /tmp/lc/a.txt /tmp/lc/b.txt); do count=$((count + 1)); done
echo "$count words"
rm -r /tmp/lc
