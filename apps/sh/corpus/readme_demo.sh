# The README's demo: a function, a loop over files, a pipeline inside a command
# substitution, a here-document, and a report.
summarize() {
    lines=$(wc -l < "$1")
    words=$(cat "$1" | wc -w)
    printf '%-12s %3d lines %4d words\n' "${1##*/}" $lines $words
}
mkdir -p /tmp/demo
cat > /tmp/demo/poem.txt <<EOF
the quick brown fox
jumps over
the lazy dog
EOF
echo "one two three four five" > /tmp/demo/list.txt
total=0
for file in /tmp/demo/*.txt; do
    summarize "$file"
    total=$((total + $(wc -l < "$file")))
done
echo "files: $(ls /tmp/demo | wc -l), lines in all: $total"
rm -r /tmp/demo
