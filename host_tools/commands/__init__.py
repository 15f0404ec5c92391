"""One module per group of `nes` commands; each has do_<command>(state, args)
handlers and add_<command>_arguments(parser) functions used by host_tools.cli."""
