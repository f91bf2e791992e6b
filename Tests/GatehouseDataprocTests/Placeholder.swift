// Placeholder so the test target builds before its first real suite lands; replace it.
import Testing
