-- workload.lua - the Lua workload of tools/realworld.sh: three CPU-bound
-- parts run one after another in one process, each sized to take about a
-- second uninstrumented on the reference machine (docs/realworld.md):
--   fib      recursive Fibonacci: Lua calls and integer arithmetic
--   strings  string building: concatenation, string.format, table.concat,
--            gsub and find over the result
--   tables   table churn: inserting, reading and dropping small tables and
--            array parts, which keeps the garbage collector busy
-- Prints one checksum line per part, so a wrong build shows.
-- usage: lua workload.lua [SCALE]   (SCALE multiplies every part; default 1)

local scale = tonumber(arg and arg[1]) or 1

local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local function strings(rounds)
  local total = 0
  for r = 1, rounds do
    local parts = {}
    for i = 1, 200 do
      parts[#parts + 1] = string.format("%d:%s;", i * r, ("x"):rep(i % 7))
    end
    local s = table.concat(parts)
    local t = ""
    for i = 1, 50 do t = t .. tostring(i) .. "," end
    s = s:gsub("x+", function(m) return #m end)
    total = total + #s + #t + (s:find("199:", 1, true) or 0)
  end
  return total
end

local function tables(rounds)
  local live, sum = {}, 0
  for r = 1, rounds do
    local t = { id = r, name = "n" .. (r % 100), list = {} }
    for i = 1, 16 do t.list[i] = i * r end
    live[r % 1000 + 1] = t  -- older tables become garbage
    local other = live[(r * 7) % 1000 + 1]
    if other then
      for _, v in ipairs(other.list) do sum = sum + v % 13 end
      sum = sum + #other.name
    end
  end
  return sum
end

local n = 36 + math.floor(math.log(scale, 1.618) + 0.5)
print("fib", n, fib(n))
print("strings", strings(math.floor(10000 * scale)))
print("tables", tables(math.floor(1000000 * scale)))
