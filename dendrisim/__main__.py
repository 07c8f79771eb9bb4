from dendrisim.cli import main

main()
