f() { (exit 7); echo "after subshell exit: $?"; return 4; }
f
echo "f returned $?"
g() { false; }
if g; then echo no; else echo "g failed"; fi
(echo inside; exit 2) || echo "subshell failed with $?"
