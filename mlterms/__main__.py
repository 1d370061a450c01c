from mlterms.cli import main

main()
