{ echo one; echo two; } | wc -l
true && echo and-ran
false && echo no
false || echo or-ran
true || echo no
false || false || echo third
true && false || echo mixed
echo a; echo b
