from medref.entry import main

main()
