// groups.h - moved to base/groups.h; this forwarding header goes once the tests include the new
// path.
#pragma once
#include "base/groups.h"
