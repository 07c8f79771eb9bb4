from dendrisim.cli.app import main

if __name__ == "__main__":  # not when re-imported by spawn / mpi4py.futures workers
    main()
