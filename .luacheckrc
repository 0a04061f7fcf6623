std = "lua54"
max_line_length = 130
files["spec/"] = { std = "+busted" }
files["spec/output.lua"] = { std = "lua54" }
exclude_files = { "build/", "build-san/" }
