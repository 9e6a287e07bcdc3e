{ echo one; echo two; echo three; } | wc -l
for i in 1 2 3; do echo $i; done | grep -c 2
echo x | { read v; echo "got $v"; }
if true; then echo yes; fi | cat
echo done
