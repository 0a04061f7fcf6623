-- Loaded by busted before any spec (see .busted): the suite must run sandboxed.
if os.getenv("PLUMB_SANDBOXED") ~= "1" then
  error("run the specs through spec/run (or `make check`): they need throwaway namespaces")
end
