#include "av/mcp/schema_check.hpp"

#include <cmath>

namespace av::mcp::schema {

namespace {

using json = nlohmann::json;

bool has_type(const json& value, const std::string& type) {
  if (type == "object")
    return value.is_object();
  if (type == "array")
    return value.is_array();
  if (type == "string")
    return value.is_string();
  if (type == "boolean")
    return value.is_boolean();
  if (type == "null")
    return value.is_null();
  if (type == "number")
    return value.is_number();
  if (type == "integer") {
    if (value.is_number_integer())
      return true;
    // 3.0 is an integer in JSON Schema.
    return value.is_number_float()
           && std::trunc(value.get<double>()) == value.get<double>();
  }
  return false;
}

std::string article(const std::string& type) {
  return (type == "object" || type == "array" || type == "integer" ? "an "
                                                                   : "a ")
         + type;
}

std::string type_text(const json& type) {
  if (type.is_string())
    return article(type.get<std::string>());
  std::string result;
  for (size_t i = 0; i < type.size(); ++i) {
    if (i > 0)
      result += i + 1 == type.size() ? " or " : ", ";
    result += article(type[i].get<std::string>());
  }
  return result;
}

bool type_matches(const json& type, const json& value) {
  if (type.is_string())
    return has_type(value, type.get<std::string>());
  for (auto& t : type)
    if (t.is_string() && has_type(value, t.get<std::string>()))
      return true;
  return false;
}

std::string number_text(double x) {
  if (std::trunc(x) == x && std::fabs(x) < 1e15)
    return std::to_string(static_cast<int64_t>(x));
  return json(x).dump();
}

std::string enum_text(const json& options) {
  std::string result;
  for (size_t i = 0; i < options.size(); ++i) {
    if (i > 0)
      result += i + 1 == options.size() ? " or " : ", ";
    result += options[i].dump();
  }
  return result;
}

using problem = std::optional<std::string>;

problem fail(const std::string& path, std::string what) {
  return path + ": expected " + what;
}

problem check(const json& s, const json& v, const std::string& path);

problem check_object(const json& s, const json& v, const std::string& path) {
  auto props = s.find("properties");
  if (auto req = s.find("required"); req != s.end())
    for (auto& name : *req)
      if (!v.contains(name.get<std::string>()))
        return path + "." + name.get<std::string>() + ": required";
  auto extra = s.find("additionalProperties");
  for (auto& [name, item] : v.items()) {
    const json* sub = nullptr;
    if (props != s.end())
      if (auto p = props->find(name); p != props->end())
        sub = &*p;
    if (sub) {
      if (auto err = check(*sub, item, path + "." + name))
        return err;
    } else if (extra != s.end() && extra->is_boolean() && !extra->get<bool>()) {
      return path + "." + name + ": unknown property";
    } else if (extra != s.end() && extra->is_object()) {
      if (auto err = check(*extra, item, path + "." + name))
        return err;
    }
  }
  return std::nullopt;
}

problem check_array(const json& s, const json& v, const std::string& path) {
  if (auto lo = s.find("minItems"); lo != s.end() && v.size() < *lo)
    return fail(path, "at least " + lo->dump() + " items");
  if (auto hi = s.find("maxItems"); hi != s.end() && v.size() > *hi)
    return fail(path, "at most " + hi->dump() + " items");
  if (auto items = s.find("items"); items != s.end() && items->is_object())
    for (size_t i = 0; i < v.size(); ++i)
      if (auto err = check(*items, v[i], path + "[" + std::to_string(i) + "]"))
        return err;
  return std::nullopt;
}

problem check_string(const json& s, const json& v, const std::string& path) {
  auto& str = v.get_ref<const std::string&>();
  if (auto lo = s.find("minLength"); lo != s.end() && str.size() < *lo)
    return fail(path, "a string of at least " + lo->dump() + " characters");
  if (auto hi = s.find("maxLength"); hi != s.end() && str.size() > *hi)
    return fail(path, "a string of at most " + hi->dump() + " characters");
  return std::nullopt;
}

problem check_number(const json& s, const json& v, const std::string& path) {
  auto x = v.get<double>();
  auto lo = s.find("minimum");
  auto hi = s.find("maximum");
  bool low = lo != s.end() && x < lo->get<double>();
  bool high = hi != s.end() && x > hi->get<double>();
  if (!low && !high)
    return std::nullopt;
  if (lo != s.end() && hi != s.end())
    return fail(path, "a number from " + number_text(lo->get<double>()) + " to "
                        + number_text(hi->get<double>()));
  if (low)
    return fail(path, "a number of at least " + number_text(lo->get<double>()));
  return fail(path, "a number of at most " + number_text(hi->get<double>()));
}

problem check(const json& s, const json& v, const std::string& path) {
  if (!s.is_object())
    return std::nullopt;
  if (auto t = s.find("type"); t != s.end() && !type_matches(*t, v))
    return fail(path, type_text(*t));
  if (auto e = s.find("enum"); e != s.end()) {
    bool found = false;
    for (auto& option : *e)
      found = found || option == v;
    if (!found)
      return fail(path, "one of " + enum_text(*e));
  }
  if (v.is_object())
    return check_object(s, v, path);
  if (v.is_array())
    return check_array(s, v, path);
  if (v.is_string())
    return check_string(s, v, path);
  if (v.is_number())
    return check_number(s, v, path);
  return std::nullopt;
}

} // namespace

std::optional<std::string> validate(const json& schema, const json& value,
                                    const std::string& root) {
  return check(schema, value, root);
}

void apply_defaults(const json& schema, json& value) {
  if (!value.is_object() || !schema.is_object())
    return;
  auto props = schema.find("properties");
  if (props == schema.end())
    return;
  for (auto& [name, sub] : props->items()) {
    auto i = value.find(name);
    if (i == value.end()) {
      if (auto d = sub.find("default"); d != sub.end())
        value[name] = *d;
    } else {
      apply_defaults(sub, *i);
    }
  }
}

} // namespace av::mcp::schema
