#pragma once

#include <QMainWindow>
#include <memory>

class QLabel;

namespace evolq {

class ModelSummaryWidget;
class VitModel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Loads a model folder; on failure shows the error inline and returns false.
    bool openModel(const QString& folder);
    QString errorText() const;

private:
    void showError(const QString& text);
    std::shared_ptr<VitModel> m_model;
    ModelSummaryWidget* m_summary;
    QLabel* m_banner;
};

}  // namespace evolq
