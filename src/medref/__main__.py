from medref.cli import main

main()
