// Versioned schema migrations for the fleet database (both backends).
#pragma once
#include "fleet/database.hpp"

namespace wisp::fleet {

int schema_version();       // the newest migration this build knows
void migrate(Database& db);  // applies the missing ones; refuses a newer database

}  // namespace wisp::fleet
