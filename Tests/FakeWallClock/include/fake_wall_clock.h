// Nothing to call: the library works by being preloaded (LD_PRELOAD) and replacing the C library's
// wall-clock reads. See fake_wall_clock.c.
#pragma once
