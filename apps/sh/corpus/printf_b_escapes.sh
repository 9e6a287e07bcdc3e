printf '%b\n' 'tab\there' 'new\nline' 'back\\slash'
printf 'a\tb\n'
printf '%s\n' 'no\tescape'
printf '%%d is %d\n' 42
