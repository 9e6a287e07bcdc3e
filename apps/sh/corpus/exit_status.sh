true; echo $?
false; echo $?
sh -c 'exit 7'; echo $?
nonexistent_command_xyz 2>/dev/null; echo $?
(exit 300); echo $?
