from evalrunner.cli import main

main(prog_name="evalrunner")
