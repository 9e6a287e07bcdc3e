x=value
echo 'single $x' "double $x" unquoted\ space
echo "a"'b'c
echo "quote \" inside" 'it'"'"'s'
echo "dollar \$x" "backslash \\"
echo ''"" end
