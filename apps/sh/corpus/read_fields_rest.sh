echo "one two three four" | { read a b rest; echo "a=$a b=$b rest=$rest"; }
echo "  leading spaces" | { read v; echo "[$v]"; }
echo "single" | { read a b; echo "a=$a b=[$b]"; }
printf 'no newline' | { read v; echo "status $? v=$v"; }
