local recipes = require "plumb.recipes"

describe("plumb.recipes", function()
  it("lists its recipes in order, each with a one-line doc", function()
    assert.is_true(#recipes.list >= 1)
    local sorted = { table.unpack(recipes.list) }
    table.sort(sorted)
    assert.same(sorted, recipes.list)
    for _, name in ipairs(recipes.list) do
      assert.is_string(recipes.doc[name])
      assert.is_nil(recipes.doc[name]:find("\n"))
    end
    local n = 0
    for _ in pairs(recipes.doc) do n = n + 1 end
    assert.equal(#recipes.list, n)
  end)

  it("gives each recipe up, down, check and an options schema of the four types", function()
    local types = { string = true, integer = true, boolean = true, list = true }
    for _, name in ipairs(recipes.list) do
      local m = recipes.load(name)
      assert.is_function(m.up)
      assert.is_function(m.down)
      assert.is_function(m.check)
      assert.is_table(m.options)
      local seen = {}
      for i, o in ipairs(m.options) do
        assert.is_string(o.name, name .. " option " .. i)
        assert.is_nil(seen[o.name], name .. ": " .. o.name .. " twice")
        seen[o.name] = true
        assert.is_true(types[o.type] ~= nil, name .. "." .. o.name .. ": type " .. tostring(o.type))
        assert.is_string(o.doc)
        assert.is_true(o.required == nil or type(o.required) == "boolean")
      end
      assert.is_true(seen.netns ~= nil or seen.hosts ~= nil, name .. ": no namespace option")
      -- unknown keys raise naming the recipe and the key, before anything happens
      for _, verb in ipairs{ "up", "down", "check" } do
        local ok, err = pcall(m[verb], { no_such_key = true })
        assert.is_false(ok)
        assert.matches(name .. "%." .. verb .. ': unknown option "no_such_key"', err)
      end
    end
  end)

  it("refuses an unknown recipe", function()
    assert.has_error(function() recipes.load("nope") end, 'plumb.recipes: unknown recipe "nope"')
  end)
end)
