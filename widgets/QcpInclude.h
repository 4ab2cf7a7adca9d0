#pragma once

// qcustomplot.h uses the `signals` and `foreach` keywords, which QT_NO_KEYWORDS removes; give them
// back for this one header only.
#ifndef signals
#define signals Q_SIGNALS
#define EVOLQ_QCP_UNDEF_SIGNALS
#endif
#ifndef foreach
#define foreach Q_FOREACH
#define EVOLQ_QCP_UNDEF_FOREACH
#endif

#include <qcustomplot.h>

#ifdef EVOLQ_QCP_UNDEF_SIGNALS
#undef signals
#undef EVOLQ_QCP_UNDEF_SIGNALS
#endif
#ifdef EVOLQ_QCP_UNDEF_FOREACH
#undef foreach
#undef EVOLQ_QCP_UNDEF_FOREACH
#endif
