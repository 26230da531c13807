from saglam.cli.main import main

main()
