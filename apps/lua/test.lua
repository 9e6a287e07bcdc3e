-- Lua on uxrt: the same output as the same interpreter built for the host. Strings,
-- tables, closures, coroutines, errors, formatting, maths, time and files.
print("arguments:", #arg, arg[1], arg[2])

-- Strings and patterns.
local s = "The quick brown fox jumps over the lazy dog"
print(s:upper(), #s, s:find("fox"), s:match("(%a+) dog"))
print(("%5.2f|%-6s|%x|%q"):format(math.pi, "ab", 255, "a\nb"))
print(string.format("%g %g %g %g", 0.1, 1e20, 1/3, 2^53))
local words = {}
for w in s:gmatch("%a+") do words[#words + 1] = w:lower() end
table.sort(words)
print(table.concat(words, ","))
print(("x"):rep(3, "-"), s:sub(5, 9), s:byte(1), string.char(72, 105), utf8.char(955, 8364))
print(("hello world"):gsub("o", "0"))

-- Tables and metatables.
local t = {}
for i = 1, 10 do t[i] = i * i end
print(#t, t[10], select("#", table.unpack(t)))
local vector = setmetatable({}, {
  __index = function(_, k) return k * 2 end,
  __add = function(a, b) return "added" end,
  __tostring = function() return "<vector>" end,
})
print(vector[21], vector + vector, tostring(vector))
local count = 0
for k, v in pairs({a = 1, b = 2, c = 3}) do count = count + v end
print("pairs sum", count)

-- Closures.
local function counter()
  local n = 0
  return function() n = n + 1; return n end
end
local c1, c2 = counter(), counter()
c1(); c1()
print("closures", c1(), c2())

-- Coroutines.
local producer = coroutine.wrap(function()
  for i = 1, 3 do coroutine.yield(i * 10) end
  return "done"
end)
print("coroutine", producer(), producer(), producer(), producer())
local co = coroutine.create(function(a, b)
  local c = coroutine.yield(a + b)
  error("inside " .. c)
end)
print(coroutine.resume(co, 1, 2))
local resumed, message = coroutine.resume(co, "coroutine")
print(resumed, (message:gsub("^.-:%d+: ", "")))
print(coroutine.status(co))

-- Errors.
local caught, object = pcall(error, {code = 42})
print(caught, type(object), object.code)
print(select(2, pcall(error, "plain message", 0)))
local ok, err = pcall(function() local x = nil; return x.field end)
print(ok, (err:gsub("^.-:%d+: ", "")))
print(xpcall(function() error("with handler") end, function(m) return "handled: " .. m:gsub("^.-:%d+: ", "") end))

-- Integers, floats and the math library.
print(7 // 2, 7 % 3, 2^10, 7 / 2, math.maxinteger, math.mininteger, 1 << 62)
print(math.floor(-3.5), math.ceil(-3.5), math.abs(-4), math.max(3, 9, 1), math.fmod(7, 3))
print(string.format("%.6f %.6f %.6f", math.sqrt(2), math.sin(1), math.log(10)))
print(math.tointeger(3.0), math.type(1), math.type(1.0), math.type("1"))
math.randomseed(42)
local r = math.random(1, 100)
print("random in range", r >= 1 and r <= 100)

-- Time: the values differ from run to run, so only their sense is printed.
local now = os.time()
print("os.time after 2023", now > 1700000000)
print("os.clock non-negative", os.clock() >= 0)
print("os.date of 0", os.date("!%Y-%m-%d %H:%M:%S", 0))
print("os.time of a date", os.time({year = 2000, month = 1, day = 1, hour = 12}) ~= nil)
print("difftime", os.difftime(now + 60, now))

-- Files.
local name = os.tmpname()
local f = assert(io.open(name, "w"))
f:write("first line\n", 42, "\n", 3.5, "\n")
f:close()
for line in io.lines(name) do io.write("[", line, "] ") end
print()
f = assert(io.open(name, "r"))
print(f:read("l"), f:read("n"), f:read("n"))
print(f:seek("set", 6), f:read(4))
f:close()
f = assert(io.open(name, "a"))
f:write("appended\n")
f:close()
f = assert(io.open(name))
local all = f:read("a")
f:close()
print(#all, select(2, all:gsub("\n", "")))
print(os.remove(name), io.open(name) == nil)
print(select(2, io.open("/no/such/file")) ~= nil)

-- A large table (3 million elements: about 64 MiB as Lua grows it): memory that comes
-- and goes.
local big = {}
for i = 1, 3000000 do big[i] = i end
local sum = 0
for i = 1, #big do sum = sum + big[i] end
print("sum", sum)
big = nil
collectgarbage()
print("collected", collectgarbage("count") < 1024)
