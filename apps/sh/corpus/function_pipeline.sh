upper_first() { while read w; do echo "word: $w"; done; }
echo one two three | { read a b c; echo $a; echo $b; echo $c; } | upper_first
count() { wc -l; }
printf 'a\nb\nc\n' | count
emit() { echo "from emit $1"; }
emit x | cat
