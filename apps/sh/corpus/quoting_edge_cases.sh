echo "it's" 'say "hi"' "back\\slash" 'dollar $HOME'
a="x  y"
echo $a
echo "$a"
echo "$a"'$a'
empty=
echo "[$empty]" [$empty]
echo \$literal \"quoted\"
